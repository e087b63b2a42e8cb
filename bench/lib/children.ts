// Child processes of a benchmark run: every server and load generator is our own child, pinned to
// a CPU with taskset, started in its own process group so that one kill by id also reaches the
// workers it forks (nginx's master → worker), and killed by id at the end, on errors and on Ctrl-C.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const STDERR_TAIL = 4096;

export interface ChildInfo {
  name: string;
  pid: number;
  process: ChildProcess;
  /** The last few KiB of stderr, for error messages when a child dies early. */
  stderrTail(): string;
  /** Resolves with the exit code (or signal name) when the process exits. */
  exited: Promise<number | string>;
}

export interface StartOptions {
  /** CPU list for taskset (e.g. "1"); undefined leaves the process unpinned. */
  cpu?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Collect stdout (for load generators whose report is their output). */
  captureStdout?: boolean;
}

/** The command line that runs `command args` pinned to `cpu` (or unpinned). */
export function pinnedCommand(command: string, args: string[], cpu?: string): [string, string[]] {
  return cpu === undefined ? [command, args] : ['taskset', ['-c', cpu, command, ...args]];
}

export class ChildSet {
  readonly #children = new Map<number, ChildInfo>();
  #signalsInstalled = false;

  start(
    name: string,
    command: string,
    args: string[],
    opts: StartOptions = {},
  ): ChildInfo & { stdout(): string } {
    const [cmd, argv] = pinnedCommand(command, args, opts.cpu);
    const child = spawn(cmd, argv, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true, // own process group: kill(-pid) reaches forked workers too
      stdio: ['ignore', opts.captureStdout ? 'pipe' : 'ignore', 'pipe'],
    });
    if (child.pid === undefined) throw new Error(`could not start ${name} (${cmd})`);
    const pid = child.pid;
    let tail = '';
    let out = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      tail = (tail + s).slice(-STDERR_TAIL);
    });
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (s: string) => {
      out += s;
    });
    const exited = new Promise<number | string>((resolve) => {
      // With stdout captured, 'close' (after the pipes drained): on 'exit' the last of the output
      // may still be unread, and a run then returned an empty stdout now and then.
      child.on(opts.captureStdout ? 'close' : 'exit', (code, signal) => {
        this.#children.delete(pid);
        resolve(code ?? signal ?? 'unknown');
      });
      child.on('error', (err) => {
        tail += `\n${err.message}`;
        this.#children.delete(pid);
        resolve('spawn-error');
      });
    });
    const info = { name, pid, process: child, stderrTail: () => tail, exited, stdout: () => out };
    this.#children.set(pid, info);
    return info;
  }

  /** Runs a command to completion and returns its stdout; rejects with its stderr on failure. */
  async run(name: string, command: string, args: string[], opts: StartOptions = {}): Promise<string> {
    const info = this.start(name, command, args, { ...opts, captureStdout: true });
    const code = await info.exited;
    if (code !== 0) throw new Error(`${name} exited with ${code}: ${info.stderrTail().trim()}`);
    return info.stdout();
  }

  /** Process group ids of the running children (each child leads its own group). */
  groups(): Set<number> {
    return new Set(this.#children.keys());
  }

  /** Stops one child: SIGTERM to its group, SIGKILL after `graceMs`. */
  async stop(info: ChildInfo, graceMs = 2000): Promise<void> {
    if (!this.#children.has(info.pid)) return;
    killGroup(info.pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(info.pid, 'SIGKILL'), graceMs);
    timer.unref();
    await info.exited;
    clearTimeout(timer);
    killGroup(info.pid, 'SIGKILL'); // stragglers in the group (workers) if the leader left early
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#children.values()].map((c) => this.stop(c)));
  }

  /** Synchronous last resort, for process 'exit' where no promise can run. */
  killAllNow(): void {
    for (const pid of this.#children.keys()) killGroup(pid, 'SIGKILL');
    this.#children.clear();
  }

  /**
   * Ctrl-C / SIGTERM / exit: kill every child before leaving, then run `cleanup` (temp dirs),
   * since exiting from a signal handler skips the caller's finally blocks.
   */
  installSignalHandlers(log: (line: string) => void, cleanup: () => Promise<void> = async () => {}): void {
    if (this.#signalsInstalled) return;
    this.#signalsInstalled = true;
    const onSignal = (sig: NodeJS.Signals): void => {
      log(`\n${sig}: stopping benchmark processes`);
      void this.stopAll()
        .then(cleanup)
        .finally(() => process.exit(130));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    process.once('exit', () => this.killAllNow());
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Runs `fn` with a fresh ChildSet and temp dir (`prefix` + random): on return, error or Ctrl-C every
 * child is stopped by its id and the dir removed.
 */
export async function withChildren<T>(
  prefix: string,
  log: (line: string) => void,
  fn: (children: ChildSet, dir: string) => Promise<T>,
): Promise<T> {
  const children = new ChildSet();
  const dir = await mkdtemp(join(tmpdir(), prefix));
  children.installSignalHandlers(log, () => rm(dir, { recursive: true, force: true }));
  try {
    return await fn(children, dir);
  } finally {
    await children.stopAll();
    await rm(dir, { recursive: true, force: true });
  }
}

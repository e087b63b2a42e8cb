// One supervised child process: started with its output appended to a log file, restarted with
// exponential backoff when it dies, stopped by pid with SIGTERM and then SIGKILL after a grace
// period. Restarts back off from 250 ms to 10 s and reset once a run lasted 10 s, so a crash loop
// costs little CPU and a one-off crash recovers fast.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ContainerState } from './state.ts';

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;
const STABLE_MS = 10_000;

export interface ProcessSpec {
  /** What status lines call it: 'reviews-v1-…-0/app'. */
  label: string;
  argv: string[];
  env: NodeJS.ProcessEnv;
  log: string;
  cwd?: string;
}

export class ManagedProcess {
  readonly spec: ProcessSpec;
  readonly state: ContainerState;
  private child: ChildProcess | undefined;
  private stopping = false;
  private backoffMs = MIN_BACKOFF_MS;
  private restartTimer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  /** Where this run's output starts in the log file. */
  private logOffset = 0;
  /** The previous run's output, kept once it exits: a restart must not hide why it died. */
  private previousRun = '';
  private readonly onChange: () => void;
  private readonly onEvent: (line: string) => void;

  constructor(spec: ProcessSpec, onChange: () => void, onEvent: (line: string) => void) {
    this.spec = spec;
    this.state = { status: 'starting', restarts: 0, ready: false, log: spec.log };
    this.onChange = onChange;
    this.onEvent = onEvent;
  }

  start(): void {
    if (this.stopping) return;
    mkdirSync(dirname(this.spec.log), { recursive: true });
    const fd = openSync(this.spec.log, 'a');
    this.logOffset = fstatSync(fd).size;
    writeSync(fd, `--- ${new Date().toISOString()} starting: ${this.spec.argv.join(' ')}\n`);
    const [cmd, ...args] = this.spec.argv;
    let child: ChildProcess;
    try {
      child = spawn(cmd!, args, { env: this.spec.env, cwd: this.spec.cwd, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    this.startedAt = Date.now();
    this.state.pid = child.pid;
    this.state.status = 'starting';
    this.state.ready = false;
    child.once('error', (err) => {
      // spawn failures (ENOENT) come here and then as an exit with no code.
      this.state.lastExit = err.message;
    });
    child.once('exit', (code, signal) => this.exited(child, code, signal));
    this.onChange();
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.previousRun = this.logSinceStart();
    this.child = undefined;
    this.state.pid = undefined;
    this.state.ready = false;
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    if (!this.state.lastExit?.startsWith('spawn')) this.state.lastExit = how;
    if (this.stopping) {
      this.state.status = 'stopped';
      this.onChange();
      return;
    }
    if (Date.now() - this.startedAt > STABLE_MS) this.backoffMs = MIN_BACKOFF_MS;
    this.state.status = 'backoff';
    this.state.restarts++;
    this.onEvent(
      `${this.spec.label} exited (${how}); restarting in ${this.backoffMs} ms (see ${this.spec.log})`,
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.start();
    }, this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.onChange();
  }

  /** Starts again after stop() (with whatever the spec says now). */
  resume(): void {
    this.stopping = false;
    this.backoffMs = MIN_BACKOFF_MS;
    this.previousRun = '';
    this.start();
  }

  /**
   * The output of the current (or last) run, at most `maxBytes` of its start: what the supervisor
   * looks for bind conflicts in. A log that cannot be read counts as empty.
   */
  logSinceStart(maxBytes = 64 * 1024): string {
    let fd: number | undefined;
    try {
      fd = openSync(this.spec.log, 'r');
      const size = fstatSync(fd).size;
      const length = Math.min(maxBytes, Math.max(0, size - this.logOffset));
      const buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, this.logOffset);
      return buf.subarray(0, n).toString('utf8');
    } catch {
      return '';
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** The output of this run and of the one before it (when it exited and was restarted). */
  recentLog(): string {
    return this.previousRun + this.logSinceStart();
  }

  /** Marks the process as answering (the supervisor's probes decide). */
  setReady(ready: boolean): void {
    if (this.state.ready === ready) return;
    this.state.ready = ready;
    if (ready && this.child) this.state.status = 'running';
    this.onChange();
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.state.status = 'stopped';
      this.state.pid = undefined;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

// Running the mesh in the background and stopping it: `weft up -d` starts the supervisor detached
// (its output in <state-dir>/logs/supervisor.log) and waits on state.json until everything is
// ready; `weft down` stops it by pid, then SIGKILLs whatever outlived the grace period.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { WEFT_BIN } from './pod.ts';
import { isAlive, type RuntimeState, readState, statePaths, statePids, writeState } from './state.ts';

/** Starts `weft up <args>` (without -d) detached from this terminal; returns its pid. */
export function spawnDetached(stateDir: string, upArgs: string[]): number {
  const paths = statePaths(stateDir);
  mkdirSync(paths.logs, { recursive: true });
  const fd = openSync(paths.supervisorLog, 'a');
  try {
    const child = spawn(process.execPath, [WEFT_BIN, 'up', ...upArgs], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, WEFT_UP_DETACHED: '1' },
    });
    child.unref();
    return child.pid ?? 0;
  } finally {
    closeSync(fd);
  }
}

export interface WaitResult {
  ok: boolean;
  state?: RuntimeState;
  /** Why it failed: what is not ready, or that the supervisor died. */
  problems: string[];
}

/** What is not ready yet, one line each, with the command that shows more. */
export function notReady(state: RuntimeState): string[] {
  const out: string[] = [];
  const g = state.gateway;
  if (!g) out.push('ingress gateway: not started yet');
  else if (!g.ready) out.push(`${g.name}: ${g.reason ?? 'starting'} (weft logs ${g.name} -c proxy)`);
  for (const p of state.pods) {
    if (p.ready) continue;
    const c = p.reason?.startsWith('app') ? 'app' : 'proxy';
    out.push(`${p.name}: ${p.reason ?? 'starting'} (weft logs ${p.name} -c ${c})`);
  }
  return out;
}

/**
 * Polls state.json until the supervisor `pid` reports the mesh ready, it dies, or `timeoutMs`
 * passes. `onProgress` sees every state read (for progress lines).
 */
export async function waitReady(
  stateDir: string,
  pid: number,
  timeoutMs: number,
  onProgress: (state: RuntimeState) => void,
): Promise<WaitResult> {
  const deadline = Date.now() + timeoutMs;
  let state: RuntimeState | undefined;
  while (Date.now() < deadline) {
    const read = readState(stateDir);
    if (read && read.supervisorPid === pid) {
      state = read;
      onProgress(read);
      if (read.phase === 'ready') return { ok: true, state: read, problems: [] };
      if (read.phase === 'failed') return { ok: false, state: read, problems: [read.message ?? 'failed'] };
    }
    if (!isAlive(pid)) {
      return {
        ok: false,
        ...(state ? { state } : {}),
        problems: [`the mesh supervisor (pid ${pid}) exited; its last output:`, ...tail(stateDir, 15)],
      };
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    ok: false,
    ...(state ? { state } : {}),
    problems: state ? notReady(state) : ['the supervisor never wrote its state', ...tail(stateDir, 15)],
  };
}

function tail(stateDir: string, lines: number): string[] {
  try {
    const text = readFileSync(statePaths(stateDir).supervisorLog, 'utf8').trimEnd();
    return text
      .split('\n')
      .slice(-lines)
      .map((l) => `  ${l}`);
  } catch {
    return [];
  }
}

/** Whether a pid still runs one of our processes (guards against pid reuse before SIGKILL). */
function isOurs(pid: number): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes('weft') || cmd.includes('main.ts') || cmd.includes('node');
  } catch {
    return process.platform !== 'linux' && isAlive(pid);
  }
}

export interface DownResult {
  /** Processes that were running. */
  stopped: number;
  /** Of those, the ones that needed SIGKILL. */
  killed: number;
}

/** Stops the mesh of `stateDir`: SIGTERM the supervisor, wait, SIGKILL leftovers. */
export async function stopMesh(stateDir: string, graceMs: number): Promise<DownResult | undefined> {
  const state = readState(stateDir);
  if (!state) return undefined;
  const pids = statePids(state).filter((p) => isAlive(p) && isOurs(p));
  if (isAlive(state.supervisorPid)) process.kill(state.supervisorPid, 'SIGTERM');
  else for (const pid of pids) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some(isAlive)) await new Promise((r) => setTimeout(r, 100));
  let killed = 0;
  for (const pid of pids) {
    if (!isAlive(pid)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed++;
    } catch {
      // gone in between
    }
  }
  const after = readState(stateDir);
  if (after && after.phase !== 'stopped') {
    after.phase = 'stopped';
    after.updatedAt = new Date().toISOString();
    writeState(after);
  }
  return { stopped: pids.length, killed };
}

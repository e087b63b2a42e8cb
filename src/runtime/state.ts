// The local mesh's state file (<state-dir>/state.json): what the supervisor runs, where, and how
// ready it is. The supervisor is its only writer (atomically, so readers never see half a file);
// `weft status`, `down`, `logs`, `exec` and `up -d` only read it.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../config/index.ts';

export const DEFAULT_STATE_DIR = '.weft';

/** `app` (the first container), `proxy` (the sidecar), or another container's name. */
export type ContainerName = string;

export interface ContainerState {
  pid?: number;
  status: 'starting' | 'running' | 'backoff' | 'stopped' | 'failed';
  restarts: number;
  ready: boolean;
  lastExit?: string;
  log: string;
  /** The Kubernetes container name, when it differs from its key (the first container is `app`). */
  name?: string;
}

export interface PortState {
  /** The port the container declares (9080). */
  container: number;
  /** Where the app process really listens. */
  app: number;
  /** The sidecar's inbound listener: where mesh traffic for the container port arrives. */
  inbound: number;
  /** The key of the container that listens on it (`app` for the first). */
  owner?: string;
}

export interface PodState {
  name: string;
  namespace: string;
  deployment: string;
  app: string;
  version: string;
  labels: Record<string, string>;
  serviceAccount: string;
  command: string[];
  ports: PortState[];
  httpProxy: number;
  admin: number;
  /** TCP services bound by the sidecar for this pod (<SVC>_SERVICE_HOST/PORT). */
  outbound: { service: string; bind: string; port: number }[];
  /** The environment the mesh gives the pod's processes (what `weft exec` reuses). */
  env: Record<string, string>;
  /** `app`, `proxy`, and the pod's other containers by name. */
  containers: { app: ContainerState; proxy: ContainerState } & Record<string, ContainerState>;
  /** Pilot's view of the sidecar's config: SYNCED, STALE, NOT SENT or NOT CONNECTED. */
  sync: string;
  ready: boolean;
  /** Why it is not ready (what `weft up -d` reports on timeout). */
  reason?: string;
}

export interface GatewayState {
  name: string;
  namespace: string;
  ports: { http: number; https: number; tcp: number };
  admin: number;
  proxy: ContainerState;
  sync: string;
  ready: boolean;
  reason?: string;
}

export interface RuntimeState {
  version: 1;
  stateDir: string;
  supervisorPid: number;
  startedAt: string;
  updatedAt: string;
  phase: 'starting' | 'ready' | 'stopping' | 'stopped' | 'failed';
  message?: string;
  pilot: { url: string; xdsPort: number; httpPort: number };
  gateway?: GatewayState;
  pods: PodState[];
}

/** The files under a state dir. */
export function statePaths(stateDir: string) {
  const dir = resolve(stateDir);
  return {
    dir,
    state: join(dir, 'state.json'),
    config: join(dir, 'config'),
    logs: join(dir, 'logs'),
    bootstrap: join(dir, 'bootstrap'),
    supervisorLog: join(dir, 'logs', 'supervisor.log'),
  };
}

export function logFile(stateDir: string, pod: string, container: ContainerName): string {
  return join(statePaths(stateDir).logs, `${pod}.${container}.log`);
}

export function writeState(state: RuntimeState): void {
  writeFileAtomic(statePaths(state.stateDir).state, JSON.stringify(state, null, 2) + '\n');
}

/** The state file, or undefined when there is none (never started here). */
export function readState(stateDir: string): RuntimeState | undefined {
  let text: string;
  try {
    text = readFileSync(statePaths(stateDir).state, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as RuntimeState;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function isAlive(pid: number | undefined): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The state of a mesh that is running now (its supervisor alive), else undefined. */
export function runningState(stateDir: string): RuntimeState | undefined {
  const state = readState(stateDir);
  if (!state || state.phase === 'stopped' || !isAlive(state.supervisorPid)) return undefined;
  return state;
}

/**
 * The pilot URL of the mesh running from `stateDir`: what `weft apply|delete|get` should talk to
 * when neither --pilot nor $WEFT_PILOT is given.
 */
export function localPilotUrl(stateDir = DEFAULT_STATE_DIR): string | undefined {
  return runningState(stateDir)?.pilot.url;
}

/** Every pid the state names (supervisor first), for `weft down` and the benchmark. */
export function statePids(state: RuntimeState): number[] {
  const pids = [state.supervisorPid];
  if (state.gateway?.proxy.pid) pids.push(state.gateway.proxy.pid);
  for (const pod of state.pods) {
    for (const c of Object.values(pod.containers)) if (c.pid) pids.push(c.pid);
  }
  return pids;
}

/** The container of a pod that `-c <query>` names: its key, or its Kubernetes name. */
export function findContainer(pod: PodState, query: string): ContainerName | undefined {
  if (pod.containers[query]) return query;
  return Object.keys(pod.containers).find((k) => pod.containers[k]!.name === query);
}

/** Finds a pod the way people name it: full name, deployment name, or a unique name prefix. */
export function findPod(state: RuntimeState, query: string): PodState | undefined {
  const q = query.replace(/^(pod|deploy|deployment)\//, '');
  const exact = state.pods.find((p) => p.name === q || `${p.name}.${p.namespace}` === q);
  if (exact) return exact;
  const byDeployment = state.pods.filter((p) => p.deployment === q);
  if (byDeployment.length > 0) return byDeployment[0];
  const byPrefix = state.pods.filter((p) => p.name.startsWith(q));
  return byPrefix.length === 1 ? byPrefix[0] : undefined;
}

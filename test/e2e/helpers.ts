// What every end-to-end task needs: a mesh of its own (`weft up -d` in a temp state dir with free
// gateway ports, torn down by `weft down` and then by pid), the weft CLI as a child process,
// config applied through pilot with a wait for the named proxy to ACK it, and the statistics that
// decide whether an observed traffic split matches the configured one.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { isAlive, type RuntimeState, readState, statePids } from '../../src/runtime/index.ts';
import { PortAllocator } from '../../src/runtime/ports.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const SAMPLES = resolve(ROOT, '..', 'shared', 'istio', 'samples');
const WEFT = join(ROOT, 'bin', 'weft.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `weft <args>`; killed (and failed) after `timeoutMs`. */
export function weft(args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [WEFT, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
  });
}

export interface Mesh {
  stateDir: string;
  ports: { http: number; https: number; tcp: number };
  state(): RuntimeState;
  /** `weft <args> --state-dir <this mesh>`. */
  run(args: string[]): Promise<Run>;
  /** Applies a file through pilot and waits until `proxy` ACKed a changed config. */
  apply(file: string, proxy: string): Promise<void>;
  /** `http://127.0.0.1:<gateway http port><path>` */
  url(path: string): string;
}

/** Starts a mesh with `weft up -d -f <files>`; stopped and removed when the test ends. */
export async function upMesh(t: TestContext, files: string[]): Promise<Mesh> {
  const stateDir = mkdtempSync(join(tmpdir(), 'weft-e2e-'));
  // From a claimed block below the ephemeral range, held until the test ends: neither another
  // mesh's allocator nor some outgoing connection's source port takes them before the gateway binds.
  const allocator = new PortAllocator();
  const ports = { http: await allocator.port(), https: await allocator.port(), tcp: await allocator.port() };
  t.after(async () => {
    allocator.close();
    const state = readState(stateDir);
    await weft(['down', '--state-dir', stateDir, '--grace', '3'], 20_000);
    // Whatever outlived `down` (it should be nothing) is killed by pid.
    for (const pid of state ? statePids(state) : []) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  });
  const mesh: Mesh = {
    stateDir,
    ports,
    state: () => readState(stateDir)!,
    run: ([verb, ...rest]) => weft([verb!, '--state-dir', stateDir, ...rest]),
    url: (path) => `http://127.0.0.1:${ports.http}${path}`,
    async apply(file, proxy) {
      const pilot = mesh.state().pilot.url;
      // The newest push the proxy had been sent or had ACKed: the apply's own push comes later.
      // (Waiting for any change of the ACKed versions instead could end on a late ACK of the
      // previous apply's pushes, before this one's — its first request then saw the old routes.)
      const before = (await syncedPushes(pilot, proxy))?.newestSeen ?? 0;
      const res = await fetch(`${pilot}/apis/v1/apply?source=${encodeURIComponent(file)}`, {
        method: 'POST',
        body: await (await import('node:fs/promises')).readFile(file, 'utf8'),
        headers: { 'content-type': 'application/yaml' },
      });
      if (!res.ok) throw new Error(`apply ${file}: ${res.status} ${await res.text()}`);
      await until(`${proxy} ACKs the config of ${file}`, 15_000, async () => {
        const now = await syncedPushes(pilot, proxy);
        return now?.synced === true && now.newestAcked > before;
      });
    },
  };
  const up = await weft(
    [
      'up',
      '-d',
      ...files.flatMap((f) => ['-f', f]),
      ...['--state-dir', stateDir, '--timeout', '90'],
      ...[
        '--http-port',
        String(ports.http),
        '--https-port',
        String(ports.https),
        '--tcp-port',
        String(ports.tcp),
      ],
    ],
    120_000,
  );
  if (up.code !== 0) throw new Error(`weft up failed (${up.code}):\n${up.stdout}\n${up.stderr}`);
  return mesh;
}

/** The push number of a pilot version (`<time>/<push>`), 0 when there is none. */
function pushNumber(version: string | undefined): number {
  const n = Number(version?.slice(version.lastIndexOf('/') + 1));
  return Number.isInteger(n) ? n : 0;
}

/**
 * A proxy's (pod name prefix) xDS state: the newest push it was sent or ACKed, the newest it
 * ACKed, and whether every type is SYNCED (nothing in flight); undefined for an unknown proxy.
 */
async function syncedPushes(
  pilot: string,
  proxy: string,
): Promise<{ newestSeen: number; newestAcked: number; synced: boolean } | undefined> {
  const res = await fetch(`${pilot}/debug/syncz`);
  const body = (await res.json()) as {
    proxies: {
      node: { name: string };
      types: { status: string; versionSent?: string; versionAcked?: string }[];
    }[];
  };
  const p = body.proxies.filter((x) => x.node.name.startsWith(proxy)).at(-1);
  if (!p) return undefined;
  let newestSeen = 0;
  let newestAcked = 0;
  for (const t of p.types) {
    newestAcked = Math.max(newestAcked, pushNumber(t.versionAcked));
    newestSeen = Math.max(newestSeen, newestAcked, pushNumber(t.versionSent));
  }
  return { newestSeen, newestAcked, synced: !p.types.some((x) => x.status.startsWith('STALE')) };
}

/** Polls `check` every 100 ms until true; throws naming `what` after `timeoutMs`. */
export async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
}

export type ReviewsVersion = 'v1' | 'v2' | 'v3' | 'unknown';

/** Which reviews version rendered a product page: no stars v1, black v2, red v3. */
export function reviewsVersion(html: string): ReviewsVersion {
  if (html.includes('<font color="red">')) return 'v3';
  if (html.includes('<font color="black">')) return 'v2';
  if (html.includes('Book Reviews') && !html.includes('glyphicon-star')) return 'v1';
  return 'unknown';
}

export async function productPage(mesh: Mesh, cookie?: string): Promise<{ status: number; html: string }> {
  const res = await fetch(mesh.url('/productpage'), cookie ? { headers: { cookie } } : {});
  return { status: res.status, html: await res.text() };
}

/** Counts the reviews versions over `n` page loads. */
export async function countVersions(
  mesh: Mesh,
  n: number,
  cookie?: string,
): Promise<Record<ReviewsVersion, number>> {
  const counts: Record<ReviewsVersion, number> = { v1: 0, v2: 0, v3: 0, unknown: 0 };
  for (let i = 0; i < n; i++) counts[reviewsVersion((await productPage(mesh, cookie)).html)]++;
  return counts;
}

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/**
 * The smallest k with P(|X − np| ≤ k) ≥ `confidence` for X ~ Binomial(n, p): a correct split
 * lands within ±k of its expectation with at least that probability.
 */
export function binomialTolerance(n: number, p: number, confidence = 0.999): number {
  const pmf: number[] = [];
  for (let x = 0; x <= n; x++)
    pmf.push(Math.exp(logChoose(n, x) + x * Math.log(p) + (n - x) * Math.log(1 - p)));
  const mean = n * p;
  for (let k = 0; k <= n; k++) {
    let mass = 0;
    for (let x = Math.max(0, Math.ceil(mean - k)); x <= Math.min(n, Math.floor(mean + k)); x++)
      mass += pmf[x]!;
    if (mass >= confidence) return k;
  }
  return n;
}

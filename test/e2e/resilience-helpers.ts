// What the resilience tasks (faults, timeouts, circuit breaking, mirroring, outlier detection,
// retries) share beyond helpers.ts: config written inline as Istio's tasks do, requests sent from a
// pod through its sidecar, a pod's app log and its sidecar's admin endpoints, signing in to
// Bookinfo, and the small app (resilience-app.ts) that fails on demand.

import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import type { PodState } from '../../src/runtime/index.ts';
import { logFile } from '../../src/runtime/index.ts';
import type { Mesh } from './helpers.ts';

export const APP = join(import.meta.dirname, 'resilience-app.ts');
export const REVIEWS_UNAVAILABLE = 'Sorry, product reviews are currently unavailable for this book.';
export const RATINGS_UNAVAILABLE = 'Ratings service is currently unavailable';

let seq = 0;

/** Writes YAML (a task's inline `kubectl apply -f - <<EOF`) into the mesh's dir and applies it. */
export async function applyYaml(mesh: Mesh, yaml: string, proxy: string): Promise<void> {
  const file = join(mesh.stateDir, `inline-${++seq}.yaml`);
  writeFileSync(file, yaml);
  await mesh.apply(file, proxy);
}

/** Writes a manifest file into `dir` and returns its path (for `upMesh`). */
export function manifestFile(dir: string, name: string, yaml: string): string {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

/**
 * A Service `name` (port 8000 → 8080) and a Deployment of `replicas` pods running resilience-app.ts
 * through the `weft.dev/command` annotation.
 */
export function appManifest(name: string, replicas: number): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  labels: { app: ${name} }
spec:
  selector: { app: ${name} }
  ports:
    - { name: http, port: 8000, targetPort: 8080 }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: ${name}, version: v1 }
  template:
    metadata:
      labels: { app: ${name}, version: v1 }
      annotations:
        weft.dev/command: 'node "${APP}"'
    spec:
      containers:
        - name: ${name}
          image: example.com/${name}:1
          ports:
            - containerPort: 8080
`;
}

/** The pods of a deployment, by name. */
export function podsOf(mesh: Mesh, deployment: string): PodState[] {
  return mesh
    .state()
    .pods.filter((p) => p.deployment === deployment)
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function podOf(mesh: Mesh, deployment: string): PodState {
  const pod = podsOf(mesh, deployment)[0];
  if (!pod) throw new Error(`no pod of deployment ${deployment}`);
  return pod;
}

export interface Reply {
  status: number;
  body: string;
  ms: number;
}

/** GET `url` from `pod` through its sidecar's outbound HTTP proxy, on a fresh connection. */
export function fromPod(pod: PodState, url: string, headers: Record<string, string> = {}): Promise<Reply> {
  const u = new URL(url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: pod.httpProxy,
        path: u.href,
        headers: { host: u.host, ...headers },
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started }));
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`GET ${url}: no answer in 30 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** GET a path straight from a local port (an app's own port, a sidecar's admin). */
export async function getLocal(port: number, path: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return res.text();
}

/** A counter or gauge from a sidecar's admin /stats (0 when absent). */
export async function stat(pod: PodState, name: string): Promise<number> {
  const text = await getLocal(pod.admin, '/stats');
  const line = text.split('\n').find((l) => l.startsWith(`${name}: `));
  return line ? Number(line.slice(name.length + 2)) : 0;
}

/** The lines a pod's app has logged so far. */
export function appLog(mesh: Mesh, pod: PodState): string[] {
  try {
    return readFileSync(logFile(mesh.stateDir, pod.name, 'app'), 'utf8').split('\n');
  } catch {
    return [];
  }
}

/** Signs in to Bookinfo as `user`; the session cookie. */
export async function login(mesh: Mesh, user: string): Promise<string> {
  const res = await fetch(mesh.url('/login'), {
    method: 'POST',
    body: `username=${user}&passwd=${user}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    redirect: 'manual',
  });
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new Error(`login as ${user} set no session cookie (status ${res.status})`);
  return cookie;
}

/** The product page through the gateway, with how long it took. */
export async function timedPage(
  mesh: Mesh,
  cookie?: string,
): Promise<{ status: number; html: string; s: number }> {
  const started = performance.now();
  const res = await fetch(mesh.url('/productpage'), cookie ? { headers: { cookie } } : {});
  const html = await res.text();
  return { status: res.status, html, s: (performance.now() - started) / 1000 };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Starting the servers of the benchmark: the shared upstream and each proxy under test, each as our
// own child process pinned with taskset, with its config in its own temp dir, on free loopback
// ports, and considered ready once GET / through it answers 200.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PROXY_NODE_FLAGS } from '../../src/util/node-flags/index.ts';
import { type ChildInfo, type ChildSet, freePort, waitForHttp200 } from '../lib/index.ts';
import { haproxyConf, proxyNginxConf, upstreamNginxConf, weftBootstrapYaml } from './configs.ts';
import type { TargetName } from './options.ts';

/** CPU placement on a 2-core machine: the proxy under test alone on core 1, everything else on 0. */
export const CPU = { proxy: '1', loadAndUpstream: '0' } as const;

const READY_TIMEOUT_MS = 15_000;
const WEFT_BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'weft.js');
const NODE_PIPE = resolve(import.meta.dirname, 'node-pipe.ts');
const NODE_FLOOR = resolve(import.meta.dirname, 'node-floor.ts');
const HTTP_FLOOR = resolve(import.meta.dirname, 'http-floor.ts');

export interface RunningServer {
  name: string;
  port: number;
  child: ChildInfo;
}

async function ready(children: ChildSet, server: RunningServer): Promise<RunningServer> {
  let dead = false;
  void server.child.exited.then(() => {
    dead = true;
  });
  const problem = await waitForHttp200(server.port, READY_TIMEOUT_MS, () => !dead);
  if (problem === undefined) return server;
  const tail = server.child.stderrTail().trim();
  await children.stop(server.child);
  throw new Error(
    `${server.name} did not become ready: ${problem}${tail ? `\n  stderr: ${tail.slice(-600)}` : ''}`,
  );
}

async function nginxDir(base: string, name: string): Promise<string> {
  const dir = join(base, name);
  await mkdir(join(dir, 'tmp'), { recursive: true });
  return dir;
}

function startNginx(children: ChildSet, name: string, dir: string, cpu: string): ChildInfo {
  // -p/-e keep the prefix and the startup error log inside our dir (not /var/log/nginx).
  return children.start(
    name,
    'nginx',
    ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    { cpu },
  );
}

export async function startUpstream(children: ChildSet, base: string): Promise<RunningServer> {
  const dir = await nginxDir(base, 'upstream');
  const port = await freePort();
  await writeFile(join(dir, 'nginx.conf'), upstreamNginxConf(dir, port));
  const child = startNginx(children, 'upstream (nginx)', dir, CPU.loadAndUpstream);
  return ready(children, { name: 'upstream', port, child });
}

export async function startNginxProxy(
  children: ChildSet,
  base: string,
  upstreamPort: number,
): Promise<RunningServer> {
  const dir = await nginxDir(base, 'nginx');
  const port = await freePort();
  await writeFile(join(dir, 'nginx.conf'), proxyNginxConf(dir, port, upstreamPort));
  const child = startNginx(children, 'nginx', dir, CPU.proxy);
  return ready(children, { name: 'nginx', port, child });
}

export async function startHaproxy(
  children: ChildSet,
  base: string,
  upstreamPort: number,
): Promise<RunningServer> {
  const dir = join(base, 'haproxy');
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const file = join(dir, 'haproxy.cfg');
  await writeFile(file, haproxyConf(port, upstreamPort));
  const child = children.start('haproxy', 'haproxy', ['-f', file, '-db'], { cpu: CPU.proxy });
  return ready(children, { name: 'haproxy', port, child });
}

/**
 * `weft proxy --bootstrap <file>` with `virtualHosts` virtual hosts, pinned to the proxy core.
 * `weftBin`: another checkout's bin/weft.js (bench:proxy-ab's baseline), else this one's.
 */
export async function startWeft(
  children: ChildSet,
  base: string,
  upstreamPort: number,
  virtualHosts: number,
  label = 'weft',
  weftBin = WEFT_BIN,
): Promise<RunningServer> {
  const dir = join(base, label);
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const adminPort = await freePort();
  const file = join(dir, 'bootstrap.yaml');
  await writeFile(file, weftBootstrapYaml({ listenPort: port, adminPort, upstreamPort, virtualHosts }));
  const child = children.start(
    label,
    process.execPath,
    [...PROXY_NODE_FLAGS, weftBin, 'proxy', '--bootstrap', file],
    {
      cpu: CPU.proxy,
      cwd: resolve(weftBin, '..', '..'),
    },
  );
  return ready(children, { name: label, port, child });
}

/** The parse-nothing node:net forwarder (node-pipe.ts), pinned to the proxy core: Node's ceiling. */
export async function startNodePipe(children: ChildSet, upstreamPort: number): Promise<RunningServer> {
  return startForwarder(children, 'node-pipe', NODE_PIPE, [], upstreamPort);
}

/** node-floor.ts (weft's read and write layer, no parsing), with the proxy's Node flags. */
export async function startNodeFloor(children: ChildSet, upstreamPort: number): Promise<RunningServer> {
  return startForwarder(children, 'node-floor', NODE_FLOOR, PROXY_NODE_FLAGS, upstreamPort);
}

/** http-floor.ts (weft's HTTP edits in the leanest code on that layer), with the proxy's Node flags. */
export async function startHttpFloor(children: ChildSet, upstreamPort: number): Promise<RunningServer> {
  return startForwarder(children, 'http-floor', HTTP_FLOOR, PROXY_NODE_FLAGS, upstreamPort);
}

async function startForwarder(
  children: ChildSet,
  name: string,
  script: string,
  nodeFlags: readonly string[],
  upstreamPort: number,
): Promise<RunningServer> {
  const port = await freePort();
  const child = children.start(
    name,
    process.execPath,
    [...nodeFlags, script, String(port), String(upstreamPort)],
    { cpu: CPU.proxy },
  );
  return ready(children, { name, port, child });
}

/** Starts target `t` against `upstream` (direct: the upstream itself), pinned as above. */
export async function startTarget(
  children: ChildSet,
  base: string,
  t: TargetName,
  upstream: RunningServer,
): Promise<RunningServer> {
  switch (t) {
    case 'direct':
      return upstream;
    case 'nginx':
      return startNginxProxy(children, base, upstream.port);
    case 'haproxy':
      return startHaproxy(children, base, upstream.port);
    case 'weft':
      return startWeft(children, base, upstream.port, 1);
    case 'node-pipe':
      return startNodePipe(children, upstream.port);
    case 'node-floor':
      return startNodeFloor(children, upstream.port);
    case 'http-floor':
      return startHttpFloor(children, upstream.port);
  }
}

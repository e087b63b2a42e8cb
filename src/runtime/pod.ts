// One local pod: its ports and loopback addresses, the workload it registers, and its processes —
// one per container (a built-in sample or the annotated command), each on ports of its own, and its
// sidecar (`weft proxy --bootstrap`). The sidecar listens where the mesh sends the pod's traffic (the
// registry's portMap) and forwards to the app's own port; the app reaches other services through
// the sidecar's HTTP proxy (HTTP_PROXY) or, for TCP services, its per-service listeners.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compileCacheDir } from '../../bin/compile-cache.js';
import type { MeshService, WorkloadInstance } from '../registry/index.ts';
import { PROXY_NODE_FLAGS } from '../util/node-flags/index.ts';
import { buildBootstrap, type OutboundWiring } from './bootstrap.ts';
import type { ContainerPlan, PodPlan } from './plan.ts';
import type { PortAllocator } from './ports.ts';
import { ManagedProcess } from './process.ts';
import { type ContainerState, logFile, type PodState, type PortState, statePaths } from './state.ts';

export const SAMPLE_MAIN = resolve(import.meta.dirname, '..', 'samples', 'main.ts');
export const WEFT_BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'weft.js');

/**
 * Worker count of the proxies the mesh starts: Istio's default ProxyConfig concurrency (2). Each
 * worker has its own upstream connection pools, which is why a DestinationRule's maxConnections
 * lets a host get up to one connection per worker (the circuit-breaking task's "leeway").
 */
export const PROXY_CONCURRENCY = 2;

/** `weft proxy` with a bootstrap file, as the mesh runs each sidecar and the gateway. */
export function proxyArgv(bootstrapFile: string): string[] {
  return [
    process.execPath,
    ...PROXY_NODE_FLAGS,
    WEFT_BIN,
    'proxy',
    '--bootstrap',
    bootstrapFile,
    '--drain-ms',
    '1000',
    '--concurrency',
    String(PROXY_CONCURRENCY),
  ];
}

/**
 * The environment every child starts with. Node's compile cache (shared across meshes, so tests'
 * fresh state dirs reuse it) halves each process's start: many processes start at once on few cores.
 */
export function childEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_COMPILE_CACHE: process.env['NODE_COMPILE_CACHE'] ?? compileCacheDir(),
  };
}

export interface PodContext {
  stateDir: string;
  xds: { host: string; port: number };
  ports: PortAllocator;
  /** Services that exist when the pod starts (TCP ones get bound listeners and env variables). */
  services: readonly MeshService[];
  onChange: () => void;
  onEvent: (line: string) => void;
}

function envPrefix(service: string): string {
  return service.toUpperCase().replace(/[-.]/g, '_');
}

const isTcp = (svc: MeshService) =>
  svc.ports.some((p) => !['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB', 'HTTP_PROXY'].includes(p.protocol));

/** Everything that depends on the pod's allocated ports: rebuilt when they must change. */
interface Wiring {
  ports: PortState[];
  httpProxy: number;
  admin: number;
  outbound: OutboundWiring[];
  /** Per container key: its argv and environment. */
  launches: Map<string, { argv: string[]; env: Record<string, string> }>;
  bootstrapFile: string;
}

function argvOf(c: ContainerPlan): string[] {
  const launch = c.launch;
  if (launch.kind === 'sample') return [process.execPath, SAMPLE_MAIN, launch.app, ...launch.args];
  return launch.argv[0] === 'node' ? [process.execPath, ...launch.argv.slice(1)] : launch.argv;
}

/** Allocates the pod's ports and loopbacks and writes its bootstrap. */
async function wire(plan: PodPlan, ctx: PodContext): Promise<Wiring> {
  const ports: PortState[] = [];
  for (const c of plan.containers)
    for (const container of c.containerPorts)
      ports.push({ container, app: await ctx.ports.port(), inbound: await ctx.ports.port(), owner: c.key });
  const httpProxy = await ctx.ports.port();
  const admin = await ctx.ports.port();
  const podIndex = ctx.ports.nextPodIndex();
  const outbound: OutboundWiring[] = [];
  const common: Record<string, string> = {
    POD_NAME: plan.name,
    HOSTNAME: plan.name,
    POD_NAMESPACE: plan.namespace,
    SERVICE_ACCOUNT: plan.serviceAccount,
    HTTP_PROXY: `http://127.0.0.1:${httpProxy}`,
    http_proxy: `http://127.0.0.1:${httpProxy}`,
    NO_PROXY: 'localhost,127.0.0.1',
    no_proxy: 'localhost,127.0.0.1',
    // Node's own fetch/http honour HTTP_PROXY only when asked to.
    NODE_USE_ENV_PROXY: '1',
  };
  let serviceIndex = 0;
  for (const svc of ctx.services.filter((s) => s.origin === 'Service' && isTcp(s))) {
    if (++serviceIndex > 254) break;
    const bind = ctx.ports.serviceLoopback(podIndex, serviceIndex);
    const prefix = envPrefix(svc.name);
    svc.ports.forEach((p, i) => {
      outbound.push({ bind, port: p.port, hostname: svc.hostname, servicePort: p.port });
      if (i === 0) common[`${prefix}_SERVICE_PORT`] = String(p.port);
      if (p.name) common[`${prefix}_SERVICE_PORT_${envPrefix(p.name)}`] = String(p.port);
    });
    common[`${prefix}_SERVICE_HOST`] = bind;
  }
  // Containers of a pod share localhost in Kubernetes; here each has its own ports, so PORT_MAP
  // lists the whole pod's for a container that talks to its neighbour.
  if (ports.length > 0) common['PORT_MAP'] = ports.map((p) => `${p.container}=${p.app}`).join(',');
  const launches = new Map<string, { argv: string[]; env: Record<string, string> }>();
  for (const c of plan.containers) {
    const env = { ...common };
    const own = ports.find((p) => p.owner === c.key);
    if (own) env['PORT'] = String(own.app);
    if (c.launch.kind === 'sample') Object.assign(env, c.launch.env);
    Object.assign(env, c.env);
    launches.set(c.key, { argv: argvOf(c), env });
  }

  const paths = statePaths(ctx.stateDir);
  mkdirSync(paths.bootstrap, { recursive: true });
  const bootstrapFile = join(paths.bootstrap, `${plan.name}.json`);
  const bootstrap = buildBootstrap({
    type: 'sidecar',
    pod: plan.name,
    namespace: plan.namespace,
    labels: plan.labels,
    serviceAccount: plan.serviceAccount,
    workloadName: plan.deployment,
    adminPort: admin,
    xds: ctx.xds,
    httpProxyPort: httpProxy,
    inbound: ports.map((p) => ({
      targetPort: p.container,
      listenAddress: '127.0.0.1',
      listenPort: p.inbound,
      appAddress: '127.0.0.1',
      appPort: p.app,
    })),
    outbound,
  });
  writeFileSync(bootstrapFile, JSON.stringify(bootstrap, null, 2) + '\n');
  return { ports, httpProxy, admin, outbound, launches, bootstrapFile };
}

/** A log line saying a bind failed because the address was taken. */
const BIND_CONFLICT = /EADDRINUSE/;

export class PodRuntime {
  readonly plan: PodPlan;
  readonly state: PodState;
  /** One process per container, in the template's order (the first is `app`). */
  readonly apps: ManagedProcess[];
  readonly proxy: ManagedProcess;
  /** How many times the pod got new ports after a bind conflict. */
  rewires = 0;
  private readonly ctx: PodContext;

  private constructor(
    plan: PodPlan,
    ctx: PodContext,
    state: PodState,
    apps: ManagedProcess[],
    proxy: ManagedProcess,
  ) {
    this.plan = plan;
    this.ctx = ctx;
    this.state = state;
    this.apps = apps;
    this.proxy = proxy;
  }

  /** Allocates the pod's ports and writes its bootstrap; nothing runs until start(). */
  static async create(plan: PodPlan, ctx: PodContext): Promise<PodRuntime> {
    const w = await wire(plan, ctx);
    const first = w.launches.get(plan.containers[0]!.key)!;
    const state: PodState = {
      name: plan.name,
      namespace: plan.namespace,
      deployment: plan.deployment,
      app: plan.app,
      version: plan.version,
      labels: plan.labels,
      serviceAccount: plan.serviceAccount,
      command: first.argv,
      ports: w.ports,
      httpProxy: w.httpProxy,
      admin: w.admin,
      outbound: w.outbound.map((o) => ({ service: o.hostname, bind: o.bind, port: o.port })),
      env: first.env,
      containers: {} as PodState['containers'],
      sync: 'NOT CONNECTED',
      ready: false,
    };
    const apps = plan.containers.map((c) => {
      const launch = w.launches.get(c.key)!;
      return new ManagedProcess(
        {
          label: `${plan.name}/${c.key}`,
          argv: launch.argv,
          env: { ...childEnv(), ...launch.env },
          log: logFile(ctx.stateDir, plan.name, c.key),
        },
        ctx.onChange,
        ctx.onEvent,
      );
    });
    const proxyEnv = childEnv();
    for (const k of ['HTTP_PROXY', 'http_proxy', 'NODE_USE_ENV_PROXY']) delete proxyEnv[k];
    const proxy = new ManagedProcess(
      {
        label: `${plan.name}/proxy`,
        argv: proxyArgv(w.bootstrapFile),
        env: proxyEnv,
        log: logFile(ctx.stateDir, plan.name, 'proxy'),
      },
      ctx.onChange,
      ctx.onEvent,
    );
    const containers: Record<string, ContainerState> = {};
    plan.containers.forEach((c, i) => {
      // The state object is the process's own, so status updates show without copying.
      containers[c.key] = Object.assign(apps[i]!.state, c.name !== c.key ? { name: c.name } : {});
    });
    containers['proxy'] = proxy.state;
    state.containers = containers as PodState['containers'];
    return new PodRuntime(plan, ctx, state, apps, proxy);
  }

  /** The workload pilot sees: 127.0.0.1, container ports served on the sidecar's inbound ports. */
  workload(): WorkloadInstance {
    const portMap: Record<number, number> = {};
    for (const p of this.state.ports) portMap[p.container] = p.inbound;
    return {
      name: this.plan.name,
      namespace: this.plan.namespace,
      address: '127.0.0.1',
      labels: this.plan.labels,
      serviceAccount: this.plan.serviceAccount,
      namedPorts: {},
      portMap,
      healthy: true,
      origin: 'Pod',
      locality: '',
      weight: 1,
    };
  }

  /**
   * Whether a process of this run failed to bind because something else holds the port: an app
   * exits with it, a sidecar logs the NACK of the listeners it could not bind. Only the logs since the
   * last rewire count, so pilot's view of the old connection cannot trigger a second repair.
   */
  bindConflict(): boolean {
    return [this.proxy, ...this.apps].some((p) => BIND_CONFLICT.test(p.recentLog()));
  }

  /**
   * New ports for the whole pod after a bind conflict: stop its processes, allocate again, rewrite
   * the bootstrap and environment, start again. The caller re-registers the workload with pilot.
   * The old ports stay marked as given: one of them is taken by someone else, and handing the
   * others out again right away gains nothing.
   */
  async rewire(graceMs: number, stillWanted: () => boolean): Promise<void> {
    this.rewires++;
    await Promise.all([...this.apps, this.proxy].map((p) => p.stop(graceMs)));
    const w = await wire(this.plan, this.ctx);
    this.plan.containers.forEach((c, i) => {
      const launch = w.launches.get(c.key)!;
      this.apps[i]!.spec.env = { ...childEnv(), ...launch.env };
    });
    Object.assign(this.state, {
      ports: w.ports,
      httpProxy: w.httpProxy,
      admin: w.admin,
      outbound: w.outbound.map((o) => ({ service: o.hostname, bind: o.bind, port: o.port })),
      env: w.launches.get(this.plan.containers[0]!.key)!.env,
      sync: 'NOT CONNECTED',
    });
    // The mesh may have stopped, or the pod been removed, while its processes stopped.
    if (stillWanted()) for (const p of [this.proxy, ...this.apps]) p.resume();
  }

  start(): void {
    this.proxy.start();
    for (const a of this.apps) a.start();
  }

  async stop(graceMs: number, ports: PortAllocator): Promise<void> {
    await Promise.all([...this.apps, this.proxy].map((p) => p.stop(graceMs)));
    for (const p of this.state.ports) {
      ports.release(p.app);
      ports.release(p.inbound);
    }
    ports.release(this.state.httpProxy);
    ports.release(this.state.admin);
  }
}

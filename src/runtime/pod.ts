// One local pod: its ports and loopback addresses, the workload it registers, and its two
// processes — the app (a built-in sample or the annotated command) and its sidecar
// (`weft proxy --bootstrap`). The sidecar listens where the mesh sends the pod's traffic (the
// registry's portMap) and forwards to the app's own port; the app reaches other services through
// the sidecar's HTTP proxy (HTTP_PROXY) or, for TCP services, its per-service listeners.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { MeshService, WorkloadInstance } from '../registry/index.ts';
import { buildBootstrap, type OutboundWiring } from './bootstrap.ts';
import type { PodPlan } from './plan.ts';
import { type PortAllocator, serviceLoopback } from './ports.ts';
import { ManagedProcess } from './process.ts';
import { logFile, type PodState, statePaths } from './state.ts';

export const SAMPLE_MAIN = resolve(import.meta.dirname, '..', 'samples', 'main.ts');
export const WEFT_BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'weft.js');

/**
 * The environment every child starts with. Node's compile cache (shared across meshes, so tests'
 * fresh state dirs reuse it) halves each process's start: many processes start at once on few cores.
 */
export function childEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_COMPILE_CACHE: process.env['NODE_COMPILE_CACHE'] ?? join(tmpdir(), `weft-compile-cache-${userId()}`),
  };
}

function userId(): string {
  return typeof process.getuid === 'function' ? String(process.getuid()) : 'user';
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

export class PodRuntime {
  readonly plan: PodPlan;
  readonly state: PodState;
  readonly app: ManagedProcess;
  readonly proxy: ManagedProcess;

  private constructor(plan: PodPlan, state: PodState, app: ManagedProcess, proxy: ManagedProcess) {
    this.plan = plan;
    this.state = state;
    this.app = app;
    this.proxy = proxy;
  }

  /** Allocates the pod's ports and writes its bootstrap; nothing runs until start(). */
  static async create(plan: PodPlan, ctx: PodContext): Promise<PodRuntime> {
    const ports = [];
    for (const container of plan.containerPorts)
      ports.push({ container, app: await ctx.ports.port(), inbound: await ctx.ports.port() });
    const httpProxy = await ctx.ports.port();
    const admin = await ctx.ports.port();
    const podIndex = ctx.ports.nextPodIndex();
    const outbound: OutboundWiring[] = [];
    const env: Record<string, string> = {
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
      const bind = serviceLoopback(podIndex, serviceIndex);
      const prefix = envPrefix(svc.name);
      svc.ports.forEach((p, i) => {
        outbound.push({ bind, port: p.port, hostname: svc.hostname, servicePort: p.port });
        if (i === 0) env[`${prefix}_SERVICE_PORT`] = String(p.port);
        if (p.name) env[`${prefix}_SERVICE_PORT_${envPrefix(p.name)}`] = String(p.port);
      });
      env[`${prefix}_SERVICE_HOST`] = bind;
    }
    if (ports.length > 0) {
      env['PORT'] = String(ports[0]!.app);
      env['PORT_MAP'] = ports.map((p) => `${p.container}=${p.app}`).join(',');
    }
    const launch = plan.launch;
    if (launch.kind === 'sample') Object.assign(env, launch.env);
    Object.assign(env, plan.env);

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

    const argv =
      launch.kind === 'sample'
        ? [process.execPath, SAMPLE_MAIN, launch.app, ...launch.args]
        : launch.argv[0] === 'node'
          ? [process.execPath, ...launch.argv.slice(1)]
          : launch.argv;
    const state: PodState = {
      name: plan.name,
      namespace: plan.namespace,
      deployment: plan.deployment,
      app: plan.app,
      version: plan.version,
      labels: plan.labels,
      serviceAccount: plan.serviceAccount,
      command: argv,
      ports,
      httpProxy,
      admin,
      outbound: outbound.map((o) => ({ service: o.hostname, bind: o.bind, port: o.port })),
      env,
      containers: {} as PodState['containers'],
      sync: 'NOT CONNECTED',
      ready: false,
    };
    const app = new ManagedProcess(
      {
        label: `${plan.name}/app`,
        argv,
        env: { ...childEnv(), ...env },
        log: logFile(ctx.stateDir, plan.name, 'app'),
      },
      ctx.onChange,
      ctx.onEvent,
    );
    const proxyEnv = childEnv();
    for (const k of ['HTTP_PROXY', 'http_proxy', 'NODE_USE_ENV_PROXY']) delete proxyEnv[k];
    const proxy = new ManagedProcess(
      {
        label: `${plan.name}/proxy`,
        argv: [process.execPath, WEFT_BIN, 'proxy', '--bootstrap', bootstrapFile, '--drain-ms', '1000'],
        env: proxyEnv,
        log: logFile(ctx.stateDir, plan.name, 'proxy'),
      },
      ctx.onChange,
      ctx.onEvent,
    );
    state.containers = { app: app.state, proxy: proxy.state };
    return new PodRuntime(plan, state, app, proxy);
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

  start(): void {
    this.proxy.start();
    this.app.start();
  }

  async stop(graceMs: number, ports: PortAllocator): Promise<void> {
    await Promise.all([this.app.stop(graceMs), this.proxy.stop(graceMs)]);
    for (const p of this.state.ports) {
      ports.release(p.app);
      ports.release(p.inbound);
    }
    ports.release(this.state.httpProxy);
    ports.release(this.state.admin);
  }
}

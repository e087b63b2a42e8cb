// `weft pilot` as a library: the config store fed by a watched directory, the registry and mesh
// index rebuilt per config version, the ADS server whose generators serve each proxy's generated
// config, and the HTTP API. One push cycle per batch of changes, logged on one line.
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { formatIssue } from '../../api/index.ts';
import { ConfigStore, DirectorySource, type ResourceKey } from '../../config/index.ts';
import type { WorkloadInstance } from '../../registry/index.ts';
import { CLUSTER_TYPE, ENDPOINT_TYPE, type JsonObject, LISTENER_TYPE, ROUTE_TYPE } from '../../xds/index.ts';
import { type ConfigDump, findProxy, type PilotApi, startHttpServer } from '../http/index.ts';
import type { GeneratedConfig } from '../translate/index.ts';
import { AdsServer, type ConnectedProxy } from '../xds/index.ts';
import { MeshState } from './mesh-state.ts';
import { PilotMetrics } from './metrics.ts';
import { DEFAULT_SCHEDULE, PushScheduler, type ScheduleOptions } from './scheduler.ts';

export interface PilotOptions {
  /** Folder of YAML the config lives in (created if missing). */
  configDir: string;
  /** ADS (gRPC) port; 15010 by default, 0 picks a free one. */
  xdsPort?: number;
  /** HTTP API port; 15014 by default, 0 picks a free one. */
  httpPort?: number;
  host?: string;
  /** Workloads a runtime reports (local-mode pods); re-read on every rebuild. */
  workloads?: () => WorkloadInstance[];
  /** Push debounce; Istio's 100 ms quiet period and 10 s maximum by default. */
  debounce?: Partial<ScheduleOptions>;
  /** Where the push-cycle and ADS log lines go; silent by default. */
  log?: (line: string) => void;
  /** The version reported to proxy-status. */
  version?: string;
}

export interface PilotHandle {
  host: string;
  xdsPort: number;
  httpPort: number;
  store: ConfigStore;
  source: DirectorySource;
  ads: AdsServer;
  metrics: PilotMetrics;
  mesh: MeshState;
  /** Replaces the runtime's workloads and schedules a push. */
  setWorkloads(list: WorkloadInstance[]): void;
  /** Runs a pending push cycle now (tests and benchmarks that must not wait for the debounce). */
  flush(): void;
  close(): Promise<void>;
}

const TYPE_FIELDS: [string, keyof GeneratedConfig][] = [
  [CLUSTER_TYPE, 'clusters'],
  [ENDPOINT_TYPE, 'endpoints'],
  [LISTENER_TYPE, 'listeners'],
  [ROUTE_TYPE, 'routes'],
];

export async function startPilot(options: PilotOptions): Promise<PilotHandle> {
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  const store = new ConfigStore();
  store.watch(() => scheduler?.changed());
  const source = new DirectorySource(options.configDir, store, {
    onIssues: (file, issues) => {
      log(`pilot: ${file} rejected, its previous resources stay in force:`);
      for (const issue of issues) log(`  ${formatIssue(issue)}`);
    },
    onWarning: (message) => log(`pilot: warning: ${message}`),
  });
  let workloads: () => readonly WorkloadInstance[] = options.workloads ?? (() => []);
  const mesh = new MeshState(store, () => workloads());
  const metrics = new PilotMetrics();
  // The scheduler below batches changes (the one debounce); the ADS server pushes when told to.
  // Its own per-push line is dropped: the cycle line below says the same and more.
  const ads = new AdsServer({
    log: (line) => {
      if (!line.startsWith('ads: push ')) log(line);
    },
  });
  for (const [typeUrl, field] of TYPE_FIELDS) {
    ads.register(typeUrl, (proxy: ConnectedProxy) => ({
      resources: mesh.configFor(proxy)[field] as JsonObject[],
    }));
  }

  let scheduler: PushScheduler | undefined;
  const pushCycle = (firstChangeAt: number): void => {
    const started = performance.now();
    mesh.rebuild();
    mesh.retain(ads.connectedProxies().map((p) => p.connectionId));
    metrics.sample(ads.status());
    ads.configChanged();
    const pushed = metrics.sample(ads.status());
    const done = performance.now();
    if (pushed > 0) metrics.observeConvergence((done - firstChangeAt) / 1000, pushed);
    log(
      `pilot: push config v${store.snapshot().version} (mesh ${mesh.meshVersion}) to ${pushed} of ` +
        `${ads.connectedProxies().length} proxies in ${(done - started).toFixed(1)} ms ` +
        `(${(done - firstChangeAt).toFixed(0)} ms after the first change)`,
    );
  };
  scheduler = new PushScheduler({ ...DEFAULT_SCHEDULE, ...options.debounce }, pushCycle);

  source.start();
  scheduler.cancel();
  mesh.rebuild();

  let xdsPort: number;
  try {
    xdsPort = await ads.listen(`${host}:${options.xdsPort ?? 15010}`);
  } catch (err) {
    source.stop();
    throw new Error(`cannot serve xDS on ${host}:${options.xdsPort ?? 15010}: ${(err as Error).message}`);
  }
  const identity = {
    name: `weft-pilot-${hostname().split('.')[0]}-${process.pid}`,
    version: options.version ?? 'dev',
  };
  const api: PilotApi = {
    store,
    source,
    identity,
    proxyStatus: () => ads.status(),
    configDump: (query): ConfigDump | undefined => {
      const proxy = findProxy(ads.connectedProxies(), query);
      if (!proxy) return undefined;
      return {
        connectionId: proxy.connectionId,
        nodeId: proxy.node.id,
        meshVersion: mesh.meshVersion,
        configVersion: store.snapshot().version,
        config: mesh.configFor(proxy),
      };
    },
    metricsText: () => {
      metrics.sample(ads.status());
      return metrics.render({
        connectedProxies: ads.connectedProxies().length,
        services: mesh.current().registry.services.size,
        configVersion: store.snapshot().version,
      });
    },
    createdAt: (key: ResourceKey) => store.snapshot().get(key)?.createdAt,
    ready: () => true,
  };
  let http: Awaited<ReturnType<typeof startHttpServer>>;
  try {
    http = await startHttpServer(api, host, options.httpPort ?? 15014);
  } catch (err) {
    source.stop();
    await ads.close();
    throw new Error(
      `cannot serve the HTTP API on ${host}:${options.httpPort ?? 15014}: ${(err as Error).message}`,
    );
  }
  log(
    `pilot: serving xDS on ${host}:${xdsPort}, HTTP on ${host}:${http.port}, config from ${resolve(options.configDir)} ` +
      `(${store.snapshot().resources.size} resources, ${mesh.current().registry.services.size} services)`,
  );

  return {
    host,
    xdsPort,
    httpPort: http.port,
    store,
    source,
    ads,
    metrics,
    mesh,
    setWorkloads(list) {
      const copy = [...list];
      workloads = () => copy;
      scheduler?.changed();
    },
    flush: () => scheduler?.flush(),
    async close() {
      scheduler?.cancel();
      source.stop();
      await Promise.all([ads.close(), http.close()]);
    },
  };
}

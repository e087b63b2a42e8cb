// The proxy's door: startProxy runs a ProxySnapshot (listeners, clusters, routes, endpoints) and
// returns a handle to swap snapshots and to close. Each update compiles every listener against
// the new snapshot first; only when all compile does anything change (an update is applied whole
// or refused with its errors, as an xDS NACK would be).

import { networkInterfaces } from 'node:os';
import {
  type AdminServer,
  bootstrapDumpSources,
  queryConfigDump,
  renderConfigDump,
  resourceNeedsEds,
  startAdminServer,
} from './admin/index.ts';
import type { ListenerConfig, ProxySnapshot, SocketAddress, UpdateFailures } from './config/index.ts';
import { ActiveListener, compileListener, Workers } from './listener/index.ts';
import { StatsStore } from './observe/index.ts';
import { ClusterManager } from './upstream/index.ts';
import type { BootstrapConfig } from './xds/index.ts';

export interface ProxyOptions {
  snapshot: ProxySnapshot;
  stats?: StatsStore;
  /** Called by the admin /quitquitquit endpoint. */
  onShutdown?: () => void;
  /**
   * Envoy's --concurrency: how many workers accepted connections are spread over, each with its own
   * upstream connection pools (listener/Workers). Default 1.
   */
  concurrency?: number;
}

export interface ProxyHandle {
  readonly stats: StatsStore;
  readonly clusters: ClusterManager;
  /** Bound address of each listener by name (port resolved when 0 was asked). */
  addresses(): Map<string, SocketAddress>;
  adminAddress(): SocketAddress | undefined;
  /** Swaps in a new snapshot; resolves to the errors that refused it ([] when applied). */
  update(snapshot: ProxySnapshot): Promise<string[]>;
  /** Where /config_dump finds the rejected updates (the ADS client's), shown as error_state. */
  reportUpdateFailures(source: () => UpdateFailures): void;
  /** Stops accepting, waits up to `drainMs` for open connections, then closes everything. */
  close(drainMs?: number): Promise<void>;
}

/** The snapshot a bootstrap file describes (static resources only). */
export function snapshotFromBootstrap(b: BootstrapConfig, loadedAt = new Date()): ProxySnapshot {
  const snapshot: ProxySnapshot = {
    node: b.node,
    admin: b.admin,
    listeners: b.staticResources.listeners,
    clusters: b.staticResources.clusters,
    routes: new Map(),
    endpoints: new Map(),
    versions: { listeners: 'static', clusters: 'static', routes: 'static', endpoints: 'static' },
  };
  if (b.source) snapshot.dump = bootstrapDumpSources(b.source, loadedAt.toISOString());
  return snapshot;
}

/** Whether a listener bound to `bound` accepts connections to ip:port (a wildcard: on any local address). */
function listensOn(bound: SocketAddress, ip: string, port: number): boolean {
  if (bound.port !== port) return false;
  if (bound.host === ip) return true;
  if (bound.host !== '0.0.0.0' && bound.host !== '::' && bound.host !== '') return false;
  return isLocalAddress(ip);
}

function isLocalAddress(ip: string): boolean {
  if (ip === '::1' || ip.startsWith('127.')) return true;
  return Object.values(networkInterfaces()).some((list) => list?.some((a) => a.address === ip));
}

function sameAddress(a: ListenerConfig, b: ListenerConfig): boolean {
  return a.address.host === b.address.host && a.address.port === b.address.port;
}

export async function startProxy(opts: ProxyOptions): Promise<ProxyHandle> {
  const stats = opts.stats ?? new StatsStore();
  const listeners = new Map<string, ActiveListener>();
  const clusters = new ClusterManager(stats, {
    ownListener: (ip, port) => [...listeners.values()].some((l) => listensOn(l.address, ip, port)),
  });
  const workers = new Workers(opts.concurrency ?? 1);
  let snapshot = opts.snapshot;
  let admin: AdminServer | undefined;
  const startedAt = Date.now();
  let draining = false;
  let failures: (() => UpdateFailures) | undefined;

  async function apply(next: ProxySnapshot): Promise<string[]> {
    const clusterErrors = clusters.update({ clusters: next.clusters, endpoints: next.endpoints });
    const errors = clusterErrors.map((e) => `cluster ${e.cluster}: ${e.message}`);
    const ctx = { clusters, stats, routes: next.routes };
    const compiled = [];
    for (const l of next.listeners) {
      if (!l.bindToPort) continue;
      const c = compileListener(l, ctx);
      if (Array.isArray(c)) errors.push(...c);
      else compiled.push(c);
    }
    if (errors.length > 0) return errors;
    // Listeners staying on their address switch first, all in this one synchronous step (no await
    // between them), so new routes reach every listener's next request together.
    const rebind = [];
    for (const c of compiled) {
      const active = listeners.get(c.config.name);
      if (active && sameAddress(active.config, c.config)) active.update(c);
      else rebind.push(c);
    }
    const wanted = new Set(compiled.map((c) => c.config.name));
    for (const [name, active] of listeners) {
      if (!wanted.has(name)) {
        listeners.delete(name);
        await active.close();
      }
    }
    for (const c of rebind) {
      const active = listeners.get(c.config.name);
      if (active) {
        listeners.delete(c.config.name);
        await active.close();
      }
      listeners.set(c.config.name, await ActiveListener.bind(c, workers));
    }
    snapshot = next;
    return [];
  }

  const initialErrors = await apply(snapshot);
  if (initialErrors.length > 0) {
    for (const l of listeners.values()) await l.close(true);
    clusters.close();
    throw new Error('proxy config rejected:\n  ' + initialErrors.join('\n  '));
  }

  const handle: ProxyHandle = {
    stats,
    clusters,
    addresses: () => new Map([...listeners].map(([n, l]) => [n, l.address])),
    adminAddress: () => admin?.address,
    update: (next) => apply(next),
    reportUpdateFailures: (source) => {
      failures = source;
    },
    async close(drainMs = 0) {
      draining = true;
      const all = [...listeners.values()];
      listeners.clear();
      const closing = all.map((l) => l.close(false));
      const deadline = Date.now() + drainMs;
      while (Date.now() < deadline && all.some((l) => l.connectionCount > 0)) {
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const l of all) void l.close(true);
      await Promise.all(closing);
      clusters.close();
      await admin?.close();
    },
  };

  if (snapshot.admin) {
    admin = await startAdminServer(
      {
        configDump: (q) => {
          const resource = q.get('resource');
          const includeEds = q.has('include_eds') || resourceNeedsEds(resource);
          const dump = renderConfigDump(snapshot.dump, { includeEds }, failures?.());
          return queryConfigDump(dump, resource, q.get('mask'));
        },
        stats,
        clusters,
        listeners: () =>
          [...listeners].map(([name, l]) => ({ name, address: `${l.address.host}:${l.address.port}` })),
        ready: () => !draining,
        serverInfo: () => ({
          version: 'weft',
          state: draining ? 'DRAINING' : 'LIVE',
          uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
          nodeId: snapshot.node.id,
          cluster: snapshot.node.cluster,
        }),
        shutdown: () => opts.onShutdown?.(),
      },
      snapshot.admin.address,
    );
  }
  return handle;
}

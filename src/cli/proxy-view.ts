// A proxy's configuration as the proxy itself reports it, as istioctl proxy-config reads Envoy's:
// the resources from its admin /config_dump?include_eds, the endpoints' health from
// /clusters?format=json. The local mesh records each sidecar's and the gateway's admin port in its
// state, which is how a proxy named by pilot's node id is found. Parsing is pure; fetching is the
// one side effect.
import type { RuntimeState } from '../runtime/index.ts';

/** A JSON object read loosely: what is not an object (or a list of them) reads as empty. */
export type Obj = Record<string, unknown>;
export const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
export const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

/** The resources of each kind a proxy runs, as Envoy JSON. */
export interface ProxyResources {
  clusters: Obj[];
  listeners: Obj[];
  routes: Obj[];
  endpoints: Obj[];
}

/** One host of a cluster with its health, from /clusters?format=json. */
export interface EndpointHealth {
  cluster: string;
  address: string;
  /** eds_health_status: HEALTHY, UNHEALTHY, DRAINING, … */
  health: string;
  /** Ejected by outlier detection. */
  outlierFailed: boolean;
}

export interface ProxyView {
  admin: number;
  /** The whole /config_dump?include_eds, as the proxy answered it. */
  dump: unknown;
  /** Its BootstrapConfigDump's bootstrap. */
  bootstrap: unknown;
  resources: ProxyResources;
  endpoints: EndpointHealth[];
}

function dumpOf(configs: Obj[], type: string): Obj {
  return configs.find((c) => String(c['@type'] ?? '').endsWith(`.${type}`)) ?? {};
}

/** The resources in an Envoy ConfigDump (static and dynamic alike). */
export function resourcesFromConfigDump(dump: unknown): ProxyResources {
  const configs = arr(obj(dump)['configs']);
  const clusters = dumpOf(configs, 'ClustersConfigDump');
  const listeners = dumpOf(configs, 'ListenersConfigDump');
  const routes = dumpOf(configs, 'RoutesConfigDump');
  const endpoints = dumpOf(configs, 'EndpointsConfigDump');
  // Entries for a rejected resource that was never accepted carry only an error_state.
  const listed = (holder: Obj, stat: string, dyn: string, pick: (entry: Obj) => Obj): Obj[] => [
    ...arr(holder[stat]).map(pick),
    ...arr(holder[dyn])
      .map(pick)
      .filter((o) => Object.keys(o).length > 0),
  ];
  return {
    clusters: listed(clusters, 'static_clusters', 'dynamic_active_clusters', (c) => obj(c['cluster'])),
    listeners: listed(listeners, 'static_listeners', 'dynamic_listeners', (l) =>
      obj(l['listener'] ?? obj(l['active_state'])['listener']),
    ),
    routes: listed(routes, 'static_route_configs', 'dynamic_route_configs', (r) => obj(r['route_config'])),
    endpoints: listed(endpoints, 'static_endpoint_configs', 'dynamic_endpoint_configs', (e) =>
      obj(e['endpoint_config']),
    ),
  };
}

/** Every host of every cluster in Envoy's /clusters?format=json, with its health. */
export function endpointHealthFromClusters(json: unknown): EndpointHealth[] {
  const out: EndpointHealth[] = [];
  for (const c of arr(obj(json)['cluster_statuses'])) {
    for (const h of arr(c['host_statuses'])) {
      const sock = obj(obj(h['address'])['socket_address']);
      const health = obj(h['health_status']);
      out.push({
        cluster: String(c['name'] ?? ''),
        address: `${String(sock['address'] ?? '')}:${String(sock['port_value'] ?? '')}`,
        health: String(health['eds_health_status'] ?? 'HEALTHY'),
        outlierFailed: health['failed_outlier_check'] === true,
      });
    }
  }
  return out;
}

/** How the local mesh names a proxy for xDS (runtime's nodeId), passed in to keep runtime lazy. */
export type NodeIdOf = (kind: 'sidecar' | 'router', name: string, namespace: string) => string;

/** A proxy the local mesh runs: as pilot's findProxy takes them (no connection id), and its admin port. */
export interface LocalProxy {
  connectionId: string;
  node: { id: string; name: string; namespace: string };
  admin: number;
}

/** The sidecars and the gateway of the mesh `state` describes. */
export function localProxies(state: RuntimeState | undefined, nodeIdOf: NodeIdOf): LocalProxy[] {
  if (!state) return [];
  const one = (kind: 'sidecar' | 'router', p: { name: string; namespace: string; admin: number }) => ({
    connectionId: '',
    node: { id: nodeIdOf(kind, p.name, p.namespace), name: p.name, namespace: p.namespace },
    admin: p.admin,
  });
  const out = state.pods.map((p) => one('sidecar', p));
  if (state.gateway) out.push(one('router', state.gateway));
  return out;
}

/** The admin port the mesh's state records for the proxy with xDS node id `nodeId`. */
export function adminPortOf(
  state: RuntimeState | undefined,
  nodeId: string,
  nodeIdOf: NodeIdOf,
): number | undefined {
  return localProxies(state, nodeIdOf).find((p) => p.node.id === nodeId)?.admin;
}

async function getJson(url: string, timeoutMs: number): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

/** Reads a proxy's own view from its admin port on this machine; throws what went wrong. */
export async function fetchProxyView(admin: number, timeoutMs = 3000): Promise<ProxyView> {
  const base = `http://127.0.0.1:${admin}`;
  const [dump, clusters] = await Promise.all([
    getJson(`${base}/config_dump?include_eds`, timeoutMs),
    getJson(`${base}/clusters?format=json`, timeoutMs),
  ]);
  const boot = dumpOf(arr(obj(dump)['configs']), 'BootstrapConfigDump')['bootstrap'] ?? {};
  return {
    admin,
    dump,
    bootstrap: boot,
    resources: resourcesFromConfigDump(dump),
    endpoints: endpointHealthFromClusters(clusters),
  };
}

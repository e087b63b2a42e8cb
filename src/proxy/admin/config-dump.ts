// The admin /config_dump body in Envoy's shape (envoy.admin.v3.ConfigDump): one entry per config
// kind, each with its "@type" — Bootstrap, Clusters, Listeners, ScopedRoutes, Routes, Secrets, and
// Endpoints with ?include_eds — holding the resources as they were given (the bootstrap file, the
// xDS responses), so `jq '.configs[1].dynamic_active_clusters'` or istioctl's `--file` read it as
// they read Envoy's. Pure: the sources come from the snapshot.
import type {
  ConfigDumpSources,
  DumpedResource,
  EnvoyJson,
  UpdateFailure,
  UpdateFailures,
} from '../config/index.ts';

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';
export const RESOURCE_TYPE = {
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
} as const;

const HCM = 'envoy.filters.network.http_connection_manager';

export interface ConfigDumpOptions {
  /** Envoy's ?include_eds: add the EndpointsConfigDump. */
  includeEds: boolean;
}

const isObject = (v: unknown): v is EnvoyJson => typeof v === 'object' && v !== null && !Array.isArray(v);
const objects = (v: unknown): EnvoyJson[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** `resource` with `type` as its "@type" first, as an Any in proto3 JSON is written. */
function typed(type: string, resource: EnvoyJson): EnvoyJson {
  const { '@type': _ignored, ...rest } = resource;
  return { '@type': type, ...rest };
}

/** `o[snake]`, or its camelCase spelling (the decoders accept both; the dump shows what was given). */
function field(o: EnvoyJson, snake: string): unknown {
  if (snake in o) return o[snake];
  return o[snake.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())];
}

/** Whether a network filter is the HTTP connection manager (by its config's type, as Envoy does). */
function isHcm(filter: EnvoyJson): boolean {
  const config = field(filter, 'typed_config');
  const type = isObject(config) ? String(config['@type'] ?? '') : '';
  return type.endsWith('.HttpConnectionManager') || filter['name'] === HCM;
}

/** Route configurations written inline in a listener's HTTP connection managers. */
function inlineRouteConfigs(listener: EnvoyJson): EnvoyJson[] {
  const chains = objects(field(listener, 'filter_chains'));
  const fallback = field(listener, 'default_filter_chain');
  if (isObject(fallback)) chains.push(fallback);
  const out: EnvoyJson[] = [];
  for (const chain of chains) {
    for (const filter of objects(chain['filters'])) {
      if (!isHcm(filter)) continue;
      const config = field(filter, 'typed_config');
      const rc = isObject(config) ? field(config, 'route_config') : undefined;
      if (isObject(rc)) out.push(rc);
    }
  }
  return out;
}

/** A cluster's inline endpoints, as the ClusterLoadAssignment Envoy lists for it. */
function inlineEndpoints(cluster: EnvoyJson): EnvoyJson | undefined {
  const la = field(cluster, 'load_assignment');
  if (!isObject(la)) return undefined;
  return typed(RESOURCE_TYPE.endpoint, { cluster_name: cluster['name'], ...la });
}

/** Envoy's UpdateFailureState for a rejected resource. */
function errorState(f: UpdateFailure, type: string): EnvoyJson {
  return {
    failed_configuration: typed(type, f.resource),
    last_update_attempt: f.at,
    details: f.details,
    version_info: f.version,
  };
}

/**
 * The dynamic entries of one kind: each accepted resource (`entry`), with an `error_state` when
 * its last update was rejected. A rejected resource that was never accepted gets an entry of its
 * own only where Envoy's message has a name for it (`failedOnly`: listeners); a cluster or route
 * entry without its resource would break readers such as istioctl.
 */
function withFailures(
  active: readonly DumpedResource[],
  failed: readonly UpdateFailure[],
  type: string,
  entry: (r: DumpedResource) => EnvoyJson,
  failedOnly?: (f: UpdateFailure) => EnvoyJson,
): EnvoyJson[] {
  const byName = new Map(failed.map((f) => [f.name, f]));
  const out = active.map((r) => {
    const f = byName.get(r.name);
    byName.delete(r.name);
    return f ? { ...entry(r), error_state: errorState(f, type) } : entry(r);
  });
  if (failedOnly)
    for (const f of byName.values()) out.push({ ...failedOnly(f), error_state: errorState(f, type) });
  return out;
}

/** Static resources' entries: each typed under `key`, last updated when the bootstrap loaded. */
function staticEntries(list: readonly EnvoyJson[], key: string, type: string, at: string): EnvoyJson[] {
  return list.map((r) => ({ [key]: typed(type, r), last_updated: at }));
}

/** A dynamic resource's entry: its version, the resource typed under `key`, when it changed. */
function dynamicEntry(key: string, type: string): (r: DumpedResource) => EnvoyJson {
  return (r) => ({ version_info: r.version, [key]: typed(type, r.resource), last_updated: r.lastUpdated });
}

const NO_FAILURES: UpdateFailures = { listeners: [], clusters: [], routes: [], endpoints: [] };
const NO_DYNAMIC: ConfigDumpSources['dynamic'] = { listeners: [], clusters: [], routes: [], endpoints: [] };

export function renderConfigDump(
  d: ConfigDumpSources | undefined,
  o: ConfigDumpOptions,
  failures: UpdateFailures = NO_FAILURES,
): { configs: EnvoyJson[] } {
  const at = d?.bootstrapLoadedAt ?? '';
  const dyn = d?.dynamic ?? NO_DYNAMIC;
  // The version of the last accepted response of each kind, as Envoy reports it.
  const versions = d?.versions;
  const staticListeners = d?.staticListeners ?? [];
  const staticClusters = d?.staticClusters ?? [];
  const dynamicCluster = dynamicEntry('cluster', RESOURCE_TYPE.cluster);
  const dynamicRoute = dynamicEntry('route_config', RESOURCE_TYPE.route);
  const dynamicEndpoints = dynamicEntry('endpoint_config', RESOURCE_TYPE.endpoint);
  const listenerState = dynamicEntry('listener', RESOURCE_TYPE.listener);
  const dynamicListener = (r: DumpedResource): EnvoyJson => ({
    name: r.name,
    active_state: listenerState(r),
  });
  const configs: EnvoyJson[] = [
    { '@type': `${ADMIN}BootstrapConfigDump`, bootstrap: d?.bootstrap ?? {}, last_updated: at },
    {
      '@type': `${ADMIN}ClustersConfigDump`,
      version_info: versions?.clusters ?? '',
      static_clusters: staticEntries(staticClusters, 'cluster', RESOURCE_TYPE.cluster, at),
      dynamic_active_clusters: withFailures(
        dyn.clusters,
        failures.clusters,
        RESOURCE_TYPE.cluster,
        dynamicCluster,
      ),
    },
    {
      '@type': `${ADMIN}ListenersConfigDump`,
      version_info: versions?.listeners ?? '',
      static_listeners: staticEntries(staticListeners, 'listener', RESOURCE_TYPE.listener, at),
      dynamic_listeners: withFailures(
        dyn.listeners,
        failures.listeners,
        RESOURCE_TYPE.listener,
        dynamicListener,
        (f) => ({ name: f.name }),
      ),
    },
    { '@type': `${ADMIN}ScopedRoutesConfigDump` },
    {
      '@type': `${ADMIN}RoutesConfigDump`,
      // Envoy lists a connection manager's inline route_config as a static route configuration.
      static_route_configs: [
        ...staticListeners.flatMap((l) => inlineRouteConfigs(l).map((rc) => ({ rc, when: at }))),
        ...dyn.listeners.flatMap((r) =>
          inlineRouteConfigs(r.resource).map((rc) => ({ rc, when: r.lastUpdated })),
        ),
      ].map(({ rc, when }) => ({ route_config: typed(RESOURCE_TYPE.route, rc), last_updated: when })),
      dynamic_route_configs: withFailures(dyn.routes, failures.routes, RESOURCE_TYPE.route, dynamicRoute),
    },
    { '@type': `${ADMIN}SecretsConfigDump` },
  ];
  if (o.includeEds) {
    configs.push({
      '@type': `${ADMIN}EndpointsConfigDump`,
      static_endpoint_configs: staticClusters.flatMap((c) => {
        const e = inlineEndpoints(c);
        return e ? [{ endpoint_config: e, last_updated: at }] : [];
      }),
      // EDS assignments, then the inline endpoints of clusters that came over CDS (STATIC or
      // STRICT_DNS ones, as Istio sends for DNS ServiceEntries), as Envoy lists them.
      dynamic_endpoint_configs: [
        ...withFailures(dyn.endpoints, failures.endpoints, RESOURCE_TYPE.endpoint, dynamicEndpoints),
        ...dyn.clusters.flatMap((r) => {
          const e = inlineEndpoints(r.resource);
          return e ? [{ version_info: r.version, endpoint_config: e, last_updated: r.lastUpdated }] : [];
        }),
      ],
    });
  }
  return { configs };
}

/** The dump's static part from a bootstrap as parsed (its JSON), loaded at `loadedAt`. */
export function bootstrapDumpSources(bootstrap: EnvoyJson, loadedAt: string): ConfigDumpSources {
  const raw = field(bootstrap, 'static_resources');
  const s = isObject(raw) ? raw : {};
  return {
    bootstrap,
    bootstrapLoadedAt: loadedAt,
    staticListeners: objects(s['listeners']),
    staticClusters: objects(s['clusters']),
    dynamic: { listeners: [], clusters: [], routes: [], endpoints: [] },
  };
}

/** Envoy's ?resource= values: a repeated field of one of the dumps, and its element's message type. */
const RESOURCE_FIELDS: Record<string, string> = {
  static_clusters: 'ClustersConfigDump.StaticCluster',
  dynamic_active_clusters: 'ClustersConfigDump.DynamicCluster',
  dynamic_warming_clusters: 'ClustersConfigDump.DynamicCluster',
  static_listeners: 'ListenersConfigDump.StaticListener',
  dynamic_listeners: 'ListenersConfigDump.DynamicListener',
  static_route_configs: 'RoutesConfigDump.StaticRouteConfig',
  dynamic_route_configs: 'RoutesConfigDump.DynamicRouteConfig',
  static_endpoint_configs: 'EndpointsConfigDump.StaticEndpointConfig',
  dynamic_endpoint_configs: 'EndpointsConfigDump.DynamicEndpointConfig',
};

/** Whether ?resource= names the endpoint dump (which is built only with include_eds). */
export function resourceNeedsEds(resource: string | null): boolean {
  return resource === 'static_endpoint_configs' || resource === 'dynamic_endpoint_configs';
}

/** Copies `path` (field names) of `src` into `dst`; through a list, for each element. */
function copyPath(src: EnvoyJson, dst: EnvoyJson, path: readonly string[]): void {
  const [head, ...rest] = path;
  if (head === undefined || !(head in src)) return;
  const value = src[head];
  if (rest.length === 0) {
    dst[head] = value;
  } else if (Array.isArray(value)) {
    const prior = Array.isArray(dst[head]) ? (dst[head] as unknown[]) : [];
    dst[head] = value.map((element, i) => {
      const into = isObject(prior[i]) ? prior[i] : {};
      if (isObject(element)) copyPath(element, into, rest);
      return into;
    });
  } else if (isObject(value)) {
    const into = isObject(dst[head]) ? dst[head] : {};
    copyPath(value, into, rest);
    dst[head] = into;
  }
}

/** Envoy's ?mask= (a FieldMask: comma-separated dotted paths); "@type" is always kept. */
function masked(config: EnvoyJson, paths: readonly string[][]): EnvoyJson {
  const out: EnvoyJson = { '@type': config['@type'] };
  for (const p of paths) copyPath(config, out, p);
  return out;
}

/**
 * Envoy's /config_dump query on a rendered dump: ?resource= lists the elements of one repeated
 * field, each with its element's "@type"; ?mask= keeps only the named fields of each config (or
 * element). An unknown resource is an error naming the ones there are.
 */
export function queryConfigDump(
  dump: { configs: EnvoyJson[] },
  resource: string | null,
  mask: string | null,
): { configs: EnvoyJson[] } | { error: string } {
  let configs = dump.configs;
  if (resource !== null) {
    const element = RESOURCE_FIELDS[resource];
    if (element === undefined)
      return {
        error: `unknown resource '${resource}'; one of: ${Object.keys(RESOURCE_FIELDS).join(', ')}`,
      };
    const holder = configs.find((c) => resource in c);
    configs = objects(holder?.[resource]).map((e) => typed(`${ADMIN}${element}`, e));
  }
  if (mask !== null && mask !== '') {
    const paths = mask.split(',').map((p) =>
      p
        .trim()
        .split('.')
        .filter((s) => s !== ''),
    );
    configs = configs.map((c) => masked(c, paths));
  }
  return { configs };
}

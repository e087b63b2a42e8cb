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

/** The version the dump reports for a kind: that of its most recent resource ('' if none). */
function latestVersion(resources: readonly DumpedResource[]): string {
  let best: DumpedResource | undefined;
  for (const r of resources) if (best === undefined || r.lastUpdated > best.lastUpdated) best = r;
  return best?.version ?? '';
}

/** Route configurations written inline in a listener's HTTP connection managers. */
function inlineRouteConfigs(listener: EnvoyJson): EnvoyJson[] {
  const chains = objects(listener['filter_chains']);
  if (isObject(listener['default_filter_chain'])) chains.push(listener['default_filter_chain']);
  const out: EnvoyJson[] = [];
  for (const chain of chains) {
    for (const filter of objects(chain['filters'])) {
      if (filter['name'] !== HCM) continue;
      const config = filter['typed_config'];
      if (isObject(config) && isObject(config['route_config'])) out.push(config['route_config']);
    }
  }
  return out;
}

/** A static cluster's inline endpoints, as the ClusterLoadAssignment Envoy lists for it. */
function staticEndpoints(cluster: EnvoyJson): EnvoyJson | undefined {
  const la = cluster['load_assignment'];
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
 * The dynamic entries of one kind: each accepted resource (`entry`), with an `error_state` when its
 * last update was rejected, then the rejected resources that were never accepted (error_state only).
 */
function withFailures(
  active: readonly DumpedResource[],
  failed: readonly UpdateFailure[],
  type: string,
  entry: (r: DumpedResource) => EnvoyJson,
  failedOnly: (f: UpdateFailure) => EnvoyJson,
): EnvoyJson[] {
  const byName = new Map(failed.map((f) => [f.name, f]));
  const out = active.map((r) => {
    const f = byName.get(r.name);
    byName.delete(r.name);
    return f ? { ...entry(r), error_state: errorState(f, type) } : entry(r);
  });
  for (const f of byName.values()) out.push({ ...failedOnly(f), error_state: errorState(f, type) });
  return out;
}

const NO_FAILURES: UpdateFailures = { listeners: [], clusters: [], routes: [], endpoints: [] };

export function renderConfigDump(
  d: ConfigDumpSources | undefined,
  o: ConfigDumpOptions,
  failures: UpdateFailures = NO_FAILURES,
): { configs: EnvoyJson[] } {
  const at = d?.bootstrapLoadedAt ?? '';
  const dyn = d?.dynamic ?? { listeners: [], clusters: [], routes: [], endpoints: [] };
  const staticListeners = d?.staticListeners ?? [];
  const staticClusters = d?.staticClusters ?? [];
  const configs: EnvoyJson[] = [
    { '@type': `${ADMIN}BootstrapConfigDump`, bootstrap: d?.bootstrap ?? {}, last_updated: at },
    {
      '@type': `${ADMIN}ClustersConfigDump`,
      version_info: latestVersion(dyn.clusters),
      static_clusters: staticClusters.map((c) => ({
        cluster: typed(RESOURCE_TYPE.cluster, c),
        last_updated: at,
      })),
      dynamic_active_clusters: withFailures(
        dyn.clusters,

        failures.clusters,

        RESOURCE_TYPE.cluster,

        (r) => ({
          version_info: r.version,
          cluster: typed(RESOURCE_TYPE.cluster, r.resource),
          last_updated: r.lastUpdated,
        }),

        () => ({}),
      ),
    },
    {
      '@type': `${ADMIN}ListenersConfigDump`,
      version_info: latestVersion(dyn.listeners),
      static_listeners: staticListeners.map((l) => ({
        listener: typed(RESOURCE_TYPE.listener, l),
        last_updated: at,
      })),
      dynamic_listeners: withFailures(
        dyn.listeners,

        failures.listeners,

        RESOURCE_TYPE.listener,

        (r) => ({
          name: r.name,
          active_state: {
            version_info: r.version,
            listener: typed(RESOURCE_TYPE.listener, r.resource),
            last_updated: r.lastUpdated,
          },
        }),

        (f) => ({ name: f.name }),
      ),
    },
    { '@type': `${ADMIN}ScopedRoutesConfigDump` },
    {
      '@type': `${ADMIN}RoutesConfigDump`,
      // Envoy lists a connection manager's inline route_config as a static route configuration.
      static_route_configs: [
        ...staticListeners.flatMap((l) => inlineRouteConfigs(l).map((rc) => ({ rc, at }))),
        ...dyn.listeners.flatMap((r) =>
          inlineRouteConfigs(r.resource).map((rc) => ({ rc, at: r.lastUpdated })),
        ),
      ].map(({ rc, at: when }) => ({ route_config: typed(RESOURCE_TYPE.route, rc), last_updated: when })),
      dynamic_route_configs: withFailures(
        dyn.routes,

        failures.routes,

        RESOURCE_TYPE.route,

        (r) => ({
          version_info: r.version,
          route_config: typed(RESOURCE_TYPE.route, r.resource),
          last_updated: r.lastUpdated,
        }),

        () => ({}),
      ),
    },
    { '@type': `${ADMIN}SecretsConfigDump` },
  ];
  if (o.includeEds) {
    configs.push({
      '@type': `${ADMIN}EndpointsConfigDump`,
      static_endpoint_configs: staticClusters.flatMap((c) => {
        const e = staticEndpoints(c);
        return e ? [{ endpoint_config: e, last_updated: at }] : [];
      }),
      dynamic_endpoint_configs: withFailures(
        dyn.endpoints,

        failures.endpoints,

        RESOURCE_TYPE.endpoint,

        (r) => ({
          version_info: r.version,
          endpoint_config: typed(RESOURCE_TYPE.endpoint, r.resource),
          last_updated: r.lastUpdated,
        }),

        () => ({}),
      ),
    });
  }
  return { configs };
}

/** The dump's static part from a bootstrap as parsed (its JSON), loaded at `loadedAt`. */
export function bootstrapDumpSources(bootstrap: EnvoyJson, loadedAt: string): ConfigDumpSources {
  const s = isObject(bootstrap['static_resources']) ? bootstrap['static_resources'] : {};
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

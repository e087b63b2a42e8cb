// The proxy's accepted xDS state per type, what it refers to, and when it is complete enough to
// run: a listener waits for the RDS routes it names and a cluster for its EDS endpoints, as Envoy's
// warming does, so a half-delivered update never reaches the engine.
import type {
  ClusterConfig,
  ConfigDumpSources,
  DumpedResource,
  EndpointAssignmentConfig,
  EnvoyJson,
  ListenerConfig,
  NodeIdentity,
  ProxySnapshot,
  RouteConfig,
  UpdateFailure,
} from '../../config/index.ts';

export interface AcceptedType<T> {
  version: string;
  byName: Map<string, T>;
  /** Each resource as received (Envoy JSON with its "@type") and when it last changed, for /config_dump. */
  raw?: RawEntries;
}

export interface AcceptedState {
  listeners?: AcceptedType<ListenerConfig>;
  clusters?: AcceptedType<ClusterConfig>;
  routes?: AcceptedType<RouteConfig>;
  endpoints?: AcceptedType<EndpointAssignmentConfig>;
}

/** A resource as received; `text` is its JSON, kept so a resend is compared without re-serialising. */
export interface RawResource {
  resource: EnvoyJson;
  text: string;
  lastUpdated: string;
  version: string;
}

/** An accepted type's resources as received, by name. */
export type RawEntries = Map<string, RawResource>;

/** Resources from the bootstrap that every snapshot carries alongside the dynamic ones. */
export interface StaticResources {
  listeners?: ListenerConfig[];
  clusters?: ClusterConfig[];
  admin?: ProxySnapshot['admin'];
  /** The bootstrap's part of /config_dump (snapshotFromBootstrap's dump); the dynamic part is added. */
  dump?: ConfigDumpSources;
}

/**
 * The raw entries of a response accepted at `now`: a resource whose JSON is unchanged keeps its
 * version and last_updated (Envoy's dump says when a resource changed, not when it was resent).
 */
export function rawEntries(
  previous: RawEntries | undefined,
  received: Map<string, EnvoyJson>,
  version: string,
  now: string,
): RawEntries {
  const out: RawEntries = new Map();
  for (const [name, resource] of received) {
    const before = previous?.get(name);
    const text = JSON.stringify(resource);
    if (before && before.text === text) out.set(name, before);
    else out.set(name, { resource, text, lastUpdated: now, version });
  }
  return out;
}

/**
 * The resources of a response the engine refused as a whole: each one it would have changed is a
 * failed update, with the engine's reason. `candidate` is rawEntries' result for the response, so
 * an unchanged resource is the very entry it already was.
 */
export function refusedResources(
  previous: RawEntries | undefined,
  candidate: RawEntries,
  details: string,
): UpdateFailure[] {
  const out: UpdateFailure[] = [];
  for (const [name, e] of candidate) {
    if (previous?.get(name) === e) continue;
    out.push({ name, version: e.version, resource: e.resource, at: e.lastUpdated, details });
  }
  return out;
}

function dumped(t: AcceptedType<unknown> | undefined): DumpedResource[] {
  if (!t?.raw) return [];
  return [...t.raw].map(([name, r]) => ({
    name,
    version: r.version,
    resource: r.resource,
    lastUpdated: r.lastUpdated,
  }));
}

/** RDS names the listeners' HTTP connection managers refer to, sorted. */
export function referencedRoutes(listeners: Iterable<ListenerConfig>): string[] {
  const names = new Set<string>();
  for (const listener of listeners) {
    const chains = listener.defaultFilterChain
      ? [...listener.filterChains, listener.defaultFilterChain]
      : listener.filterChains;
    for (const chain of chains) {
      const filter = chain.filter;
      if (filter.kind === 'http_connection_manager' && !filter.routeConfig && filter.rdsRouteConfigName) {
        names.add(filter.rdsRouteConfigName);
      }
    }
  }
  return [...names].sort();
}

/** EDS service names of the clusters that get their endpoints from EDS, sorted. */
export function referencedEndpoints(clusters: Iterable<ClusterConfig>): string[] {
  const names = new Set<string>();
  for (const cluster of clusters) if (cluster.discovery === 'EDS') names.add(cluster.edsServiceName);
  return [...names].sort();
}

export type Assembly =
  | { complete: true; snapshot: ProxySnapshot }
  | { complete: false; waitingFor: string[] };

/** The snapshot the accepted state makes, or what it is still waiting for. */
export function assembleSnapshot(
  node: NodeIdentity,
  state: AcceptedState,
  statics: StaticResources,
): Assembly {
  const waitingFor: string[] = [];
  if (!state.clusters) waitingFor.push('CDS');
  if (!state.listeners) waitingFor.push('LDS');
  const listeners = [...(statics.listeners ?? []), ...(state.listeners?.byName.values() ?? [])];
  const clusters = [...(statics.clusters ?? []), ...(state.clusters?.byName.values() ?? [])];
  for (const name of referencedRoutes(listeners)) {
    if (!state.routes?.byName.has(name)) waitingFor.push(`RDS ${name}`);
  }
  for (const name of referencedEndpoints(clusters)) {
    if (!state.endpoints?.byName.has(name)) waitingFor.push(`EDS ${name}`);
  }
  if (waitingFor.length > 0) return { complete: false, waitingFor };
  const snapshot: ProxySnapshot = {
    node,
    listeners,
    clusters,
    routes: new Map(state.routes?.byName ?? []),
    endpoints: new Map(state.endpoints?.byName ?? []),
    versions: {
      listeners: state.listeners!.version,
      clusters: state.clusters!.version,
      routes: state.routes?.version ?? '',
      endpoints: state.endpoints?.version ?? '',
    },
  };
  if (statics.admin) snapshot.admin = statics.admin;
  if (statics.dump) {
    snapshot.dump = {
      ...statics.dump,
      versions: {
        listeners: state.listeners?.version ?? '',
        clusters: state.clusters?.version ?? '',
        routes: state.routes?.version ?? '',
        endpoints: state.endpoints?.version ?? '',
      },
      dynamic: {
        listeners: dumped(state.listeners),
        clusters: dumped(state.clusters),
        routes: dumped(state.routes),
        endpoints: dumped(state.endpoints),
      },
    };
  }
  return { complete: true, snapshot };
}

// An HTTP connection manager's configuration compiled once per snapshot: the route table, the
// stats handles, the filters and access logs. Connections reach it through an HcmProvider that
// updates swap; each request takes the provider's current one and finishes on it.
import type { HttpConnectionManagerConfig, RouteConfig } from '../config/index.ts';
import type { Counter, Gauge, StatsScope } from '../observe/index.ts';
import { type CompiledRoute, compileRouteTable, type RouteTable } from '../router/index.ts';
import type { UpstreamCluster } from '../upstream/index.ts';
import { type AccessLogSink, openAccessLogs } from './access-log.ts';
import { type HttpFilter, type HttpFilterFactory, httpFilterFactory, ROUTER_FILTER } from './filter.ts';
import { BODY_WITH_HEAD_MAX, type ForwardPlan } from './h1/index.ts';
// The filters this proxy implements register themselves when loaded.
import './filters/index.ts';

/** How the engine finds clusters (the ClusterManager satisfies it). */
export interface ClusterLookup {
  get(name: string): UpstreamCluster | undefined;
}

/** http.<stat_prefix>.* as Envoy names them (HCM and router stats). */
export interface HcmStats {
  downstreamCxTotal: Counter;
  downstreamCxActive: Gauge;
  downstreamCxHttp1Total: Counter;
  downstreamCxHttp1Active: Gauge;
  downstreamCxProtocolError: Counter;
  downstreamCxIdleTimeout: Counter;
  downstreamCxUpgradesTotal: Counter;
  downstreamCxUpgradesActive: Gauge;
  downstreamRqTotal: Counter;
  downstreamRqHttp1Total: Counter;
  downstreamRqActive: Gauge;
  downstreamRqCompleted: Counter;
  downstreamRqTimeout: Counter;
  downstreamRqHeaderTimeout: Counter;
  downstreamRqIdleTimeout: Counter;
  /** Requests refused for their path (a fragment, or what normalize_path rejects). */
  downstreamRqFailedPathNormalization: Counter;
  /** downstream_rq_1xx … downstream_rq_5xx, indexed by class - 1. */
  downstreamRqByClass: Counter[];
  /** The same under listener.<address>.http.<stat_prefix>., when compiled for a listener. */
  listenerRqByClass: Counter[] | undefined;
  noRoute: Counter;
  noCluster: Counter;
  rqRedirect: Counter;
  rqDirectResponse: Counter;
  rqTotal: Counter;
}

function bindStats(scope: StatsScope, listenerScope: StatsScope | undefined): HcmStats {
  return {
    listenerRqByClass:
      listenerScope && [1, 2, 3, 4, 5].map((c) => listenerScope.counter(`downstream_rq_${c}xx`)),
    downstreamCxTotal: scope.counter('downstream_cx_total'),
    downstreamCxActive: scope.gauge('downstream_cx_active'),
    downstreamCxHttp1Total: scope.counter('downstream_cx_http1_total'),
    downstreamCxHttp1Active: scope.gauge('downstream_cx_http1_active'),
    downstreamCxProtocolError: scope.counter('downstream_cx_protocol_error'),
    downstreamCxIdleTimeout: scope.counter('downstream_cx_idle_timeout'),
    downstreamCxUpgradesTotal: scope.counter('downstream_cx_upgrades_total'),
    downstreamCxUpgradesActive: scope.gauge('downstream_cx_upgrades_active'),
    downstreamRqTotal: scope.counter('downstream_rq_total'),
    downstreamRqHttp1Total: scope.counter('downstream_rq_http1_total'),
    downstreamRqActive: scope.gauge('downstream_rq_active'),
    downstreamRqCompleted: scope.counter('downstream_rq_completed'),
    downstreamRqTimeout: scope.counter('downstream_rq_timeout'),
    downstreamRqHeaderTimeout: scope.counter('downstream_rq_header_timeout'),
    downstreamRqIdleTimeout: scope.counter('downstream_rq_idle_timeout'),
    downstreamRqFailedPathNormalization: scope.counter('downstream_rq_failed_path_normalization'),
    downstreamRqByClass: [1, 2, 3, 4, 5].map((c) => scope.counter(`downstream_rq_${c}xx`)),
    noRoute: scope.counter('no_route'),
    noCluster: scope.counter('no_cluster'),
    rqRedirect: scope.counter('rq_redirect'),
    rqDirectResponse: scope.counter('rq_direct_response'),
    rqTotal: scope.counter('rq_total'),
  };
}

export interface CompiledHcm {
  readonly config: HttpConnectionManagerConfig;
  /** undefined while an RDS route configuration has not arrived: every request is 404 NR. */
  readonly routeTable: RouteTable | undefined;
  readonly maxHeadBytes: number;
  /** How forwarded response heads are copied (server_header_transformation, room for body). */
  readonly forwardPlan: ForwardPlan;
  readonly stats: HcmStats;
  readonly clusters: ClusterLookup;
  readonly accessLogs: AccessLogSink[];
  /** The non-router filters for a route, decided once per route and cached. */
  filtersFor(route: CompiledRoute | undefined): readonly HttpFilter[];
}

/**
 * Where connections find the HCM for their next request. A route (RDS) or cluster update swaps
 * `current` in place, so it reaches the next request on connections already open (as in Envoy);
 * a request reads it once, at its start, and finishes on that CompiledHcm.
 */
export interface HcmProvider {
  current: CompiledHcm;
}

export interface HttpEngineContext {
  clusters: ClusterLookup;
  stats: StatsScope;
  /** RDS route configurations by name (ProxySnapshot.routes). */
  routes: ReadonlyMap<string, RouteConfig>;
  /** The listener's stats scope (listener.<address>.), for Envoy's per-listener HTTP stats. */
  listenerScope?: StatsScope;
}

const NO_FILTERS: readonly HttpFilter[] = [];

/** Compiles an HCM; errors are precise strings (the caller NACKs / refuses the listener). */
export function compileHcm(
  config: HttpConnectionManagerConfig,
  ctx: HttpEngineContext,
): { ok: true; hcm: CompiledHcm } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  let routeTable: RouteTable | undefined;
  const routeConfig =
    config.routeConfig ?? (config.rdsRouteConfigName ? ctx.routes.get(config.rdsRouteConfigName) : undefined);
  if (routeConfig) {
    const compiled = compileRouteTable(routeConfig);
    if (compiled.ok) routeTable = compiled.table;
    else
      for (const e of compiled.errors)
        errors.push(`route_config ${routeConfig.name}: ${e.path}: ${e.message}`);
  }
  const factories: { factory: HttpFilterFactory; config: unknown }[] = [];
  for (const f of config.httpFilters) {
    if (f.name === ROUTER_FILTER) continue;
    const factory = httpFilterFactory(f.name);
    if (!factory) errors.push(`http filter ${f.name} is not implemented by this proxy`);
    else {
      factories.push({ factory, config: f.config });
      validateFilter(factory, f.config, routeConfig, errors);
    }
  }
  const logs = openAccessLogs(config.accessLog);
  if (!logs.ok) errors.push(...logs.errors);
  if (errors.length > 0 || !logs.ok) return { ok: false, errors };

  const perRoute = new Map<CompiledRoute, readonly HttpFilter[]>();
  const filterCtx = { stats: ctx.stats.scope(`http.${config.statPrefix}.`) };
  const hcm: CompiledHcm = {
    config,
    routeTable,
    maxHeadBytes: config.maxRequestHeadersKb * 1024,
    forwardPlan: {
      serverMode: config.serverHeaderTransformation,
      serverName: config.serverName,
      bodyRoom: BODY_WITH_HEAD_MAX,
    },
    stats: bindStats(
      ctx.stats.scope(`http.${config.statPrefix}.`),
      ctx.listenerScope?.scope(`http.${config.statPrefix}.`),
    ),
    clusters: ctx.clusters,
    accessLogs: logs.sinks,
    filtersFor(route) {
      if (factories.length === 0 || route === undefined) return NO_FILTERS;
      let list = perRoute.get(route);
      if (list === undefined) {
        const built: HttpFilter[] = [];
        for (const { factory, config: fc } of factories) {
          const filter = factory.forRoute(fc, route, filterCtx);
          if (filter) built.push(filter);
        }
        list = built.length === 0 ? NO_FILTERS : built;
        perRoute.set(route, list);
      }
      return list;
    },
  };
  return { ok: true, hcm };
}

/** A filter's own check of its listener-level and per-route configs (refused like a NACK). */
function validateFilter(
  factory: HttpFilterFactory,
  config: unknown,
  routeConfig: RouteConfig | undefined,
  errors: string[],
): void {
  const validate = factory.validate;
  if (!validate) return;
  for (const e of validate(config)) errors.push(`http filter ${factory.name}: ${e}`);
  for (const vh of routeConfig?.virtualHosts ?? []) {
    for (const r of vh.routes) {
      const per = r.perFilterConfig[factory.name];
      if (per === undefined) continue;
      for (const e of validate(per))
        errors.push(`route ${r.name}: typed_per_filter_config ${factory.name}: ${e}`);
    }
  }
}

// One Istio HTTPRoute → Envoy routes (one per match, since Envoy's match is a conjunction and
// Istio's match list is a disjunction), mapping every field as Istio does.
import type {
  Destination,
  Headers,
  HTTPFaultInjection,
  HTTPMatchRequest,
  HTTPRetry,
  HTTPRoute,
  HTTPRouteDestination,
  StringMatch,
} from '../../api/types/index.ts';
import { grpcStatusCode } from '../../util/grpc-status/index.ts';
import type { Json } from './clusters.ts';
import { toEnvoyDuration } from './duration.ts';
import { resolveHost } from './mesh.ts';
import { clusterName } from './proxy.ts';

/** Where a route is being generated for: decides which matches apply and the default port. */
export interface RouteContext {
  /** The VirtualService's namespace, for short host names. */
  namespace: string;
  /** Port of the listener/virtual host ('mesh' sidecars) or the gateway server's port. */
  port: number;
  /** 'mesh' for sidecars, else 'ns/name' of the gateway being generated. */
  gateway: string;
  proxyLabels: Record<string, string>;
  proxyNamespace: string;
  /** Ports of a destination host, to pick the only one when the destination names none. */
  portsOf(host: string): number[];
  /** Virtual host name, for the decorator (`host:port/*`). */
  vhostName: string;
  /** The route hash_policy a destination's DestinationRule asks for (consistentHash), if any. */
  hashPolicyFor(d: Destination | undefined): Json | undefined;
}

const FAULT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';
/** gRPC's UNKNOWN, for a status name validation would have refused. */
const GRPC_UNKNOWN = 2;
const CORS_TYPE = 'type.googleapis.com/envoy.config.route.v3.CorsPolicy';
const PREVIOUS_HOSTS_TYPE =
  'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate';

/** Istio's default retry conditions; with them it retries status 503 (retriable_status_codes). */
const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

/** Istio's retry policy when a route gives none: 2 attempts on the default conditions and 503. */
export const ISTIO_DEFAULT_RETRY: HTTPRetry = { attempts: 2 };

/**
 * Does this match apply to the proxy/port being generated? Istio's translateRoute and
 * sourceMatchHTTP: the port first; then, when the match names gateways, only whether this proxy is
 * one of them (the sidecars' 'mesh', or the gateway being generated), with sourceLabels and
 * sourceNamespace not consulted; otherwise the proxy's own labels must include sourceLabels (a
 * gateway proxy's labels too: Istio compares node labels whatever the proxy type) and its
 * namespace must be sourceNamespace when that is set.
 */
export function matchApplies(m: HTTPMatchRequest, ctx: RouteContext): boolean {
  if (m.port !== undefined && m.port !== ctx.port) return false;
  if (m.gateways && m.gateways.length > 0) return m.gateways.some((g) => sameGateway(g, ctx));
  for (const [k, v] of Object.entries(m.sourceLabels ?? {})) if (ctx.proxyLabels[k] !== v) return false;
  return !m.sourceNamespace || m.sourceNamespace === ctx.proxyNamespace;
}

function sameGateway(ref: string, ctx: RouteContext): boolean {
  if (ref === 'mesh') return ctx.gateway === 'mesh';
  return (ref.includes('/') ? ref : `${ctx.namespace}/${ref}`) === ctx.gateway;
}

/** Envoy routes for one HTTPRoute; empty when none of its matches applies here. */
export function translateHttpRoute(route: HTTPRoute, ctx: RouteContext): Json[] {
  const matches =
    route.match && route.match.length > 0 ? route.match.filter((m) => matchApplies(m, ctx)) : [undefined];
  if (matches.length === 0) return [];
  const action = routeAction(route, ctx);
  return matches.map((m) => {
    // Istio: the route's name, then '.' and the match's name when the match has one ('.m' alone).
    const name = m?.name ? `${route.name ?? ''}.${m.name}` : route.name;
    return {
      ...(name ? { name } : {}),
      match: translateMatch(m),
      ...action,
      decorator: { operation: `${ctx.vhostName}/*` },
    };
  });
}

export function translateMatch(m: HTTPMatchRequest | undefined): Json {
  const out: Json = {};
  const uri = m?.uri;
  if (uri?.exact !== undefined) out['path'] = uri.exact;
  else if (uri?.prefix !== undefined) out['prefix'] = uri.prefix;
  else if (uri?.regex !== undefined) out['safe_regex'] = { regex: uri.regex };
  else out['prefix'] = '/';
  if (m?.ignoreUriCase) out['case_sensitive'] = false;
  const headers: Json[] = [];
  for (const [name, sm] of Object.entries(m?.headers ?? {})) headers.push(headerMatch(name, sm, false));
  for (const [name, sm] of Object.entries(m?.withoutHeaders ?? {})) headers.push(headerMatch(name, sm, true));
  if (m?.method) headers.push(headerMatch(':method', m.method, false));
  if (m?.authority) headers.push(headerMatch(':authority', m.authority, false));
  if (m?.scheme) headers.push(headerMatch(':scheme', m.scheme, false));
  if (headers.length > 0) out['headers'] = headers;
  const query = Object.entries(m?.queryParams ?? {}).map(([name, sm]) => {
    const matcher = stringMatcher(sm);
    // Istio: an empty match object means "present"; otherwise a string match on the value.
    return matcher ? { name, string_match: matcher } : { name, present_match: true };
  });
  if (query.length > 0) out['query_parameters'] = query;
  return out;
}

function stringMatcher(sm: StringMatch): Json | undefined {
  if (sm.exact !== undefined) return { exact: sm.exact };
  if (sm.prefix !== undefined) return { prefix: sm.prefix };
  if (sm.regex !== undefined) return { safe_regex: { regex: sm.regex } };
  return undefined;
}

function headerMatch(name: string, sm: StringMatch, invert: boolean): Json {
  const matcher = stringMatcher(sm);
  // Istio: an empty StringMatch on a header means the header must be present (withoutHeaders: absent).
  const base: Json = matcher ? { name, string_match: matcher } : { name, present_match: true };
  if (!invert) return base;
  // Istio: an inverted value match treats a missing header as empty, so that a request without the
  // header counts as "without" the value (Envoy otherwise fails a value match on a missing header,
  // inverted or not).
  return matcher
    ? { ...base, invert_match: true, treat_missing_header_as_empty: true }
    : { ...base, invert_match: true };
}

function routeAction(route: HTTPRoute, ctx: RouteContext): Json {
  const out: Json = {};
  const headers = route.headers;
  addHeaderOps(out, headers);
  if (route.directResponse) {
    const body = route.directResponse.body;
    const text =
      body?.string ?? (body?.bytes ? Buffer.from(body.bytes, 'base64').toString('utf8') : undefined);
    out['direct_response'] = {
      status: route.directResponse.status,
      ...(text !== undefined ? { body: { inline_string: text } } : {}),
    };
    return out;
  }
  if (route.redirect) {
    const r = route.redirect;
    const codes: Record<number, string> = {
      301: 'MOVED_PERMANENTLY',
      302: 'FOUND',
      303: 'SEE_OTHER',
      307: 'TEMPORARY_REDIRECT',
      308: 'PERMANENT_REDIRECT',
    };
    // Istio's ApplyRedirect: FROM_REQUEST_PORT is the port the route is generated for (Envoy cannot
    // derive it per request), and an explicit port that is the scheme's default is left out.
    let port = r.port ?? (r.derivePort === 'FROM_REQUEST_PORT' ? ctx.port : undefined);
    if (port !== undefined) {
      const scheme = r.scheme || 'http';
      if ((port === 80 && scheme === 'http') || (port === 443 && scheme === 'https')) port = undefined;
    }
    out['redirect'] = {
      ...(r.uri ? { path_redirect: r.uri } : {}),
      ...(r.authority ? { host_redirect: r.authority } : {}),
      ...(port ? { port_redirect: port } : {}),
      ...(r.scheme ? { scheme_redirect: r.scheme } : {}),
      response_code: codes[r.redirectCode ?? 301] ?? 'MOVED_PERMANENTLY',
    };
    return out;
  }
  const action: Json = {};
  const dests = keptDestinations(route.route ?? []);
  // Istio: one hash policy per destination whose DestinationRule asks for consistent hashing.
  const hashPolicies = dests.map((d) => ctx.hashPolicyFor(d.destination)).filter((h) => h !== undefined);
  if (dests.length === 1) {
    action['cluster'] = destinationCluster(dests[0]!.destination, ctx);
    addHeaderOps(out, dests[0]!.headers);
  } else if (dests.length > 1) {
    action['weighted_clusters'] = { clusters: dests.map((d) => weightedCluster(d, ctx)) };
  }
  if (hashPolicies.length > 0) action['hash_policy'] = hashPolicies;
  if (route.rewrite?.uri !== undefined) action['prefix_rewrite'] = route.rewrite.uri;
  if (route.rewrite?.uriRegexRewrite) {
    action['regex_rewrite'] = {
      pattern: { regex: route.rewrite.uriRegexRewrite.match },
      substitution: route.rewrite.uriRegexRewrite.rewrite,
    };
  }
  // Istio: the authority comes from rewrite.authority, else from a ':authority'/'host' header the
  // route sets (set over add), else from the single destination's own 'host' header.
  const authority =
    route.rewrite?.authority ||
    authorityOf(headers) ||
    (dests.length === 1 ? authorityOf(dests[0]!.headers) : undefined);
  if (authority) action['host_rewrite_literal'] = authority;
  // Istio disables Envoy's 15 s default: no timeout unless the VirtualService sets one.
  action['timeout'] = toEnvoyDuration(route.timeout) ?? '0s';
  // A single hashed destination retries on the same host: Istio drops the previous_hosts predicate.
  const retry = retryPolicy(
    route.retries ?? ISTIO_DEFAULT_RETRY,
    dests.length === 1 && hashPolicies.length > 0,
  );
  if (retry) action['retry_policy'] = retry;
  const mirrors = mirrorPolicies(route, ctx);
  if (mirrors.length > 0) action['request_mirror_policies'] = mirrors;
  out['route'] = action;
  const perFilter: Json = {};
  if (route.fault) perFilter['envoy.filters.http.fault'] = faultConfig(route.fault);
  if (route.corsPolicy) perFilter['envoy.filters.http.cors'] = { '@type': CORS_TYPE, ...corsConfig(route) };
  if (Object.keys(perFilter).length > 0) out['typed_per_filter_config'] = perFilter;
  return out;
}

/**
 * Istio ignores destinations of weight 0 when the route has others, and a single remaining
 * destination is routed to as a plain cluster, not a one-entry weighted_clusters.
 */
function keptDestinations(all: HTTPRouteDestination[]): HTTPRouteDestination[] {
  if (all.length <= 1) return all;
  const kept = all.filter((d) => (d.weight ?? 0) > 0);
  return kept.length > 0 ? kept : all;
}

function destinationCluster(d: Destination | undefined, ctx: RouteContext): string {
  const host = resolveHost(d?.host ?? '', ctx.namespace);
  let port = d?.port?.number;
  if (port === undefined) {
    const ports = ctx.portsOf(host);
    port = ports.length === 1 ? ports[0]! : ctx.port;
  }
  return clusterName('outbound', port, d?.subset ?? '', host);
}

function weightedCluster(d: HTTPRouteDestination, ctx: RouteContext): Json {
  const out: Json = { name: destinationCluster(d.destination, ctx), weight: d.weight ?? 0 };
  addHeaderOps(out, d.headers);
  const authority = authorityOf(d.headers);
  if (authority) out['host_rewrite_literal'] = authority;
  return out;
}

/** Istio's isInternalHeader: pseudo-headers and Host, which Envoy does not let a header operation touch. */
function isInternalHeader(name: string): boolean {
  return name.startsWith(':') || name.toLowerCase() === 'host';
}

function isAuthorityHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === ':authority' || lower === 'host';
}

/** The authority a request header operation asks for (Istio: 'set' wins over 'add'), if any. */
function authorityOf(headers: Headers | undefined): string | undefined {
  const pick = (m: Record<string, string> | undefined) => {
    let found: string | undefined;
    for (const [k, v] of Object.entries(m ?? {})) if (isAuthorityHeader(k)) found = v;
    return found;
  };
  return pick(headers?.request?.set) || pick(headers?.request?.add) || undefined;
}

function addHeaderOps(out: Json, headers: Headers | undefined): void {
  if (!headers) return;
  const external = (names: readonly string[] | undefined) =>
    (names ?? []).filter((n) => !isInternalHeader(n));
  appendTo(out, 'request_headers_to_add', headerValueOptions(headers.request?.set, headers.request?.add));
  appendTo(out, 'request_headers_to_remove', external(headers.request?.remove));
  appendTo(out, 'response_headers_to_add', headerValueOptions(headers.response?.set, headers.response?.add));
  appendTo(out, 'response_headers_to_remove', external(headers.response?.remove));
}

/** Appends `items` to the list at out[key] (route and destination header operations add up). */
function appendTo(out: Json, key: string, items: readonly unknown[]): void {
  if (items.length > 0) out[key] = [...((out[key] as unknown[] | undefined) ?? []), ...items];
}

function headerValueOptions(
  set: Record<string, string> | undefined,
  add: Record<string, string> | undefined,
): Json[] {
  // Istio's translateAppendHeaders: internal headers (':authority', 'host') become the authority
  // rewrite instead; each list sorted by name, 'set' before 'add'.
  const ops = (m: Record<string, string> | undefined, append_action: string) =>
    Object.entries(m ?? {})
      .filter(([key]) => !isInternalHeader(key))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => ({ header: { key, value }, append_action }));
  return [...ops(set, 'OVERWRITE_IF_EXISTS_OR_ADD'), ...ops(add, 'APPEND_IF_EXISTS_OR_ADD')];
}

/**
 * Istio's retry.ConvertPolicy. A route's retries start from the default policy: an empty or absent
 * retryOn keeps its conditions and its 503; a retryOn of its own replaces both, with status codes
 * taken only from the numbers it names (retriable-status-codes alone retries no status).
 */
export function retryPolicy(r: HTTPRetry, consistentHash = false): Json | undefined {
  if (!r.attempts || r.attempts <= 0) return undefined;
  let conditions = DEFAULT_RETRY_ON;
  let codes = [503];
  if (r.retryOn) {
    const parts = r.retryOn
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    codes = parts.filter((p) => /^\d+$/.test(p)).map(Number);
    conditions = parts.filter((p) => !/^\d+$/.test(p)).join(',');
    if (codes.length > 0 && !conditions.includes('retriable-status-codes')) {
      conditions = conditions ? `${conditions},retriable-status-codes` : 'retriable-status-codes';
    }
  }
  // Hashed routes retry on the same host unless the route says otherwise (retryIgnorePreviousHosts).
  const previousHosts = r.retryIgnorePreviousHosts ?? !consistentHash;
  return {
    retry_on: conditions,
    num_retries: r.attempts,
    ...(r.perTryTimeout ? { per_try_timeout: toEnvoyDuration(r.perTryTimeout) } : {}),
    ...(previousHosts
      ? {
          retry_host_predicate: [
            {
              name: 'envoy.retry_host_predicates.previous_hosts',
              typed_config: { '@type': PREVIOUS_HOSTS_TYPE },
            },
          ],
        }
      : {}),
    host_selection_retry_max_attempts: 5,
    ...(codes.length > 0 ? { retriable_status_codes: codes } : {}),
  };
}

/** Istio Percent (0–100, fractional) → Envoy FractionalPercent per million. */
export function fractionalPercent(value: number | undefined): Json {
  const pct = value ?? 100;
  return { numerator: Math.round(pct * 10_000), denominator: 'MILLION' };
}

function faultConfig(f: HTTPFaultInjection): Json {
  const out: Json = { '@type': FAULT_TYPE };
  if (f.delay) {
    const legacy = (f.delay as { percent?: number }).percent;
    out['delay'] = {
      fixed_delay: toEnvoyDuration(f.delay.fixedDelay),
      percentage: fractionalPercent(f.delay.percentage?.value ?? legacy),
    };
  }
  if (f.abort) {
    out['abort'] = {
      ...(f.abort.httpStatus !== undefined ? { http_status: f.abort.httpStatus } : {}),
      ...(f.abort.grpcStatus !== undefined
        ? { grpc_status: grpcStatusCode(f.abort.grpcStatus) ?? GRPC_UNKNOWN }
        : {}),
      percentage: fractionalPercent(f.abort.percentage?.value),
    };
  }
  return out;
}

function mirrorPolicies(route: HTTPRoute, ctx: RouteContext): Json[] {
  const out: Json[] = [];
  // Istio's MirrorPercent: an explicit 0 % is no mirror at all; an absent percentage is 100 %.
  const legacy = (route as { mirrorPercent?: number }).mirrorPercent;
  const routePercent = route.mirrorPercentage?.value ?? legacy;
  if (route.mirror && (routePercent === undefined || routePercent > 0)) {
    out.push({
      cluster: destinationCluster(route.mirror, ctx),
      runtime_fraction: { default_value: fractionalPercent(routePercent) },
      trace_sampled: false,
    });
  }
  for (const m of route.mirrors ?? []) {
    if (!m.destination || (m.percentage?.value !== undefined && m.percentage.value <= 0)) continue;
    out.push({
      cluster: destinationCluster(m.destination, ctx),
      runtime_fraction: { default_value: fractionalPercent(m.percentage?.value) },
      trace_sampled: false,
    });
  }
  return out;
}

function corsConfig(route: HTTPRoute): Json {
  const c = route.corsPolicy!;
  // Istio's TranslateCORSPolicy: allowOrigins, else the deprecated allowOrigin (exact origins).
  const origins = c.allowOrigins
    ? c.allowOrigins.map((sm) => stringMatcher(sm)).filter((x): x is Json => x !== undefined)
    : (c.allowOrigin ?? []).map((exact) => ({ exact }));
  return {
    ...(origins.length > 0 ? { allow_origin_string_match: origins } : {}),
    ...(c.allowMethods ? { allow_methods: c.allowMethods.join(',') } : {}),
    ...(c.allowHeaders ? { allow_headers: c.allowHeaders.join(',') } : {}),
    ...(c.exposeHeaders ? { expose_headers: c.exposeHeaders.join(',') } : {}),
    // Whole seconds, as Istio's MaxAge.GetSeconds().
    ...(c.maxAge ? { max_age: String(Math.floor((toMs(c.maxAge) ?? 0) / 1000)) } : {}),
    ...(c.allowCredentials !== undefined ? { allow_credentials: c.allowCredentials } : {}),
    filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
    // Envoy's behaviour before 1.30, which Istio keeps unless unmatchedPreflights is IGNORE.
    forward_not_matching_preflights: c.unmatchedPreflights !== 'IGNORE',
  };
}

function toMs(d: string): number | undefined {
  const e = toEnvoyDuration(d);
  return e === undefined ? undefined : Number(e.slice(0, -1)) * 1000;
}

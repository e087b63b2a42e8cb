// config.route.v3.RouteAction, RedirectAction and DirectResponseAction, and the policies inside a
// route action (retry, hash, mirror), with Envoy's documented defaults.
import type {
  DirectResponseActionConfig,
  HashPolicyConfig,
  MirrorPolicyConfig,
  RedirectActionConfig,
  RetryPolicyConfig,
  RouteActionConfig,
  WeightedClusterConfig,
} from '../../config/index.ts';
import {
  checkMutableHeaderName,
  readDataSource,
  readHeaderMutation,
  readRegexMatcher,
  readRuntimeFraction,
} from './common.ts';
import type { MessageReader } from './reader.ts';

/** RouteAction.timeout default (Envoy: 15 s). */
export const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

export function readRouteAction(r: MessageReader): RouteActionConfig {
  const out: RouteActionConfig = {
    kind: 'route',
    autoHostRewrite: false,
    timeoutMs: DEFAULT_ROUTE_TIMEOUT_MS,
    hashPolicy: [],
    mirrors: [],
    upgrades: [],
  };
  const specifier = r.oneof(
    [
      'cluster',
      'cluster_header',
      'weighted_clusters',
      'cluster_specifier_plugin',
      'inline_cluster_specifier_plugin',
    ],
    'cluster_specifier',
  );
  if (specifier === undefined)
    r.ctx.add(r.path, `route action needs one of cluster, cluster_header, weighted_clusters`);
  else if (specifier === 'cluster') out.cluster = r.requiredStr('cluster');
  else if (specifier === 'cluster_header') {
    out.clusterHeader = checkMutableHeaderName(r, 'cluster_header', r.requiredStr('cluster_header'), 'used');
  } else if (specifier === 'weighted_clusters') {
    const w = r.message('weighted_clusters');
    if (w) out.weightedClusters = readWeightedClusters(w);
  } else r.error(specifier, `'${specifier}' is not supported`);

  const rewrite = r.oneof(['prefix_rewrite', 'regex_rewrite', 'path_rewrite_policy'], 'path rewrite');
  if (rewrite === 'prefix_rewrite') out.prefixRewrite = r.str('prefix_rewrite');
  else if (rewrite === 'regex_rewrite') {
    const m = r.message('regex_rewrite');
    if (m) out.regexRewrite = readRegexRewrite(m);
  } else if (rewrite) r.error(rewrite, `'${rewrite}' is not supported`);

  const host = r.oneof(
    ['host_rewrite_literal', 'auto_host_rewrite', 'host_rewrite_header', 'host_rewrite_path_regex'],
    'host_rewrite_specifier',
  );
  if (host === 'host_rewrite_literal') out.hostRewriteLiteral = r.str('host_rewrite_literal');
  else if (host === 'auto_host_rewrite') out.autoHostRewrite = r.bool('auto_host_rewrite', false);
  else if (host === 'host_rewrite_header')
    out.hostRewriteHeader = r.str('host_rewrite_header')?.toLowerCase();
  else if (host) r.error(host, `'${host}' is not supported`);

  out.timeoutMs = r.durationMs('timeout') ?? DEFAULT_ROUTE_TIMEOUT_MS;
  const idle = r.durationMs('idle_timeout');
  if (idle !== undefined) out.idleTimeoutMs = idle;
  const retry = r.message('retry_policy');
  if (retry) out.retryPolicy = readRetryPolicy(retry);
  out.hashPolicy = r.messages('hash_policy').map(readHashPolicy);
  out.mirrors = r.messages('request_mirror_policies').map(readMirrorPolicy);
  for (const u of r.messages('upgrade_configs')) {
    const type = u.requiredStr('upgrade_type').toLowerCase();
    if (u.bool('enabled', true)) out.upgrades.push(type);
    else (out.disabledUpgrades ??= []).push(type);
    if (u.has('connect_config')) u.error('connect_config', `CONNECT upgrades are not supported`);
    u.finish();
  }
  const msd = r.message('max_stream_duration');
  if (msd) {
    const max = msd.durationMs('max_stream_duration');
    // A stream's total duration is not limited by the proxy: refused rather than ignored.
    if (max !== undefined && max > 0)
      msd.error('max_stream_duration', `'max_stream_duration' is not supported (only 0s, no limit)`);
    for (const f of ['grpc_timeout_header_max', 'grpc_timeout_header_offset']) {
      if (msd.has(f)) msd.error(f, `'${f}' is not supported (grpc-timeout headers are not honoured)`);
    }
    msd.finish();
  }
  // priority: there is one connection pool per cluster, so DEFAULT and HIGH behave the same; the
  // resource limits of HIGH would differ, and only DEFAULT thresholds are decoded.
  if (r.enumValue('priority', ['DEFAULT', 'HIGH'], 'DEFAULT') === 'HIGH') {
    r.error('priority', `routing priority HIGH is not supported`);
  }
  r.finish();
  return out;
}

function readWeightedClusters(r: MessageReader): WeightedClusterConfig[] {
  const out: WeightedClusterConfig[] = [];
  for (const c of r.messages('clusters')) {
    const name = c.str('name');
    if (c.has('cluster_header'))
      c.error('cluster_header', `'cluster_header' in weighted clusters is not supported`);
    else if (!name) c.error('name', `weighted cluster 'name' is required`);
    const weight = c.uint32('weight', 0);
    out.push({
      name: name ?? '',
      weight,
      requestHeaders: readHeaderMutation(c, 'request'),
      responseHeaders: readHeaderMutation(c, 'response'),
    });
    // typed_per_filter_config and metadata_match per weighted cluster have no place in the model yet.
    c.finish();
  }
  if (out.length === 0) r.error('clusters', `weighted_clusters needs at least one cluster`);
  const sum = out.reduce((s, c) => s + c.weight, 0);
  // total_weight is deprecated; when given, Envoy still requires the weights to add up to it.
  const total = r.optionalUint32('total_weight', 1);
  if (total !== undefined && sum !== total) {
    r.error(
      'total_weight',
      `sum of weights in the weighted_cluster (${sum}) must add up to total_weight (${total})`,
    );
  } else if (out.length > 0 && sum === 0) {
    r.error('clusters', `sum of weights in the weighted_cluster must be greater than 0`);
  }
  if (r.has('runtime_key_prefix'))
    r.error('runtime_key_prefix', `'runtime_key_prefix' is not supported (no runtime)`);
  if (r.has('header_name')) r.error('header_name', `'header_name' is not supported`);
  r.finish();
  return out;
}

function readRegexRewrite(r: MessageReader): { pattern: string; substitution: string } {
  const p = r.message('pattern');
  const pattern = p ? readRegexMatcher(p) : '';
  if (!p) r.error('pattern', `'pattern' is required`);
  const substitution = r.str('substitution') ?? '';
  r.finish();
  return { pattern, substitution };
}

const RETRY_ON = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'envoy-ratelimited',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'http3-post-connect-failure',
  // gRPC status based
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

/** config.route.v3.RetryPolicy (defaults: 1 retry, backoff 25 ms base, 10× base max). */
export function readRetryPolicy(r: MessageReader): RetryPolicyConfig {
  const retryOn: string[] = [];
  for (const cond of (r.str('retry_on') ?? '').split(',')) {
    const c = cond.trim();
    if (c === '') continue;
    if (!RETRY_ON.has(c)) r.error('retry_on', `unknown retry_on condition '${c}'`);
    else retryOn.push(c);
  }
  const numRetries = r.uint32('num_retries', 1);
  const perTry = r.durationMs('per_try_timeout');
  const retriableStatusCodes = r.list('retriable_status_codes').filter((c, i): c is number => {
    const ok = typeof c === 'number' && Number.isInteger(c) && c >= 100 && c <= 599;
    if (!ok) r.error(`retriable_status_codes[${i}]`, `invalid HTTP status code ${JSON.stringify(c)}`);
    return ok;
  });
  let backoffBaseMs = 25;
  let backoffMaxMs: number | undefined;
  const b = r.message('retry_back_off');
  if (b) {
    const base = b.durationMs('base_interval');
    if (base === undefined || base <= 0)
      b.error('base_interval', `'base_interval' is required and must be greater than 0`);
    else backoffBaseMs = base;
    backoffMaxMs = b.durationMs('max_interval');
    if (backoffMaxMs !== undefined && backoffMaxMs < backoffBaseMs) {
      b.error('max_interval', `max_interval must be greater than or equal to the base_interval`);
    }
    b.finish();
  }
  let retryOtherHost = false;
  for (const p of r.messages('retry_host_predicate')) {
    const name = p.str('name') ?? '';
    const typed = p.get('typed_config');
    const type =
      typed && typeof typed === 'object' ? String((typed as Record<string, unknown>)['@type'] ?? '') : '';
    if (name === 'envoy.retry_host_predicates.previous_hosts' || type.endsWith('.PreviousHostsPredicate')) {
      retryOtherHost = true;
    } else p.error('name', `retry host predicate '${name}' is not supported`);
    p.finish();
  }
  const hostSelectionRetryMaxAttempts = r.int64('host_selection_retry_max_attempts', 1);
  for (const f of [
    'retry_priority',
    'retriable_headers',
    'retriable_request_headers',
    'rate_limited_retry_back_off',
    'per_try_idle_timeout',
    'retry_options_predicates',
  ]) {
    if (r.has(f)) r.error(f, `'${f}' is not supported`);
  }
  r.finish();
  const out: RetryPolicyConfig = {
    retryOn,
    numRetries,
    retriableStatusCodes,
    backoffBaseMs,
    backoffMaxMs: backoffMaxMs ?? backoffBaseMs * 10,
    retryOtherHost,
    hostSelectionRetryMaxAttempts,
  };
  if (perTry !== undefined && perTry > 0) out.perTryTimeoutMs = perTry;
  return out;
}

function readHashPolicy(r: MessageReader): HashPolicyConfig {
  const set = r.oneof(
    ['header', 'cookie', 'connection_properties', 'query_parameter', 'filter_state'],
    'policy_specifier',
  );
  const terminal = r.bool('terminal', false);
  let spec: HashPolicyConfig['spec'] = { kind: 'source_ip' };
  const m = set ? r.message(set) : undefined;
  if (set === undefined)
    r.ctx.add(r.path, `hash policy needs one of header, cookie, connection_properties, query_parameter`);
  else if (set === 'filter_state') r.error(set, `'filter_state' hash policies are not supported`);
  else if (m && set === 'header') {
    spec = { kind: 'header', name: m.requiredStr('header_name').toLowerCase() };
  } else if (m && set === 'cookie') {
    const cookie: HashPolicyConfig['spec'] = { kind: 'cookie', name: m.requiredStr('name') };
    const ttl = m.durationMs('ttl');
    const path = m.str('path');
    if (ttl !== undefined) cookie.ttlMs = ttl;
    if (path !== undefined) cookie.path = path;
    spec = cookie;
  } else if (m && set === 'connection_properties') {
    if (!m.bool('source_ip', false))
      m.error('source_ip', `connection_properties hashing needs 'source_ip: true'`);
  } else if (m && set === 'query_parameter') {
    spec = { kind: 'query_parameter', name: m.requiredStr('name') };
  }
  m?.finish();
  r.finish();
  return { spec, terminal };
}

function readMirrorPolicy(r: MessageReader): MirrorPolicyConfig {
  const cluster = r.requiredStr('cluster');
  const rf = r.message('runtime_fraction');
  const fraction = rf ? readRuntimeFraction(rf) : 1;
  if (r.has('cluster_header')) r.error('cluster_header', `'cluster_header' mirroring is not supported`);
  // trace_sampled only affects whether the mirrored request's span is sampled; no tracer reads it.
  r.finish(['trace_sampled']);
  return { cluster, fraction };
}

const REDIRECT_CODES = [
  'MOVED_PERMANENTLY',
  'FOUND',
  'SEE_OTHER',
  'TEMPORARY_REDIRECT',
  'PERMANENT_REDIRECT',
] as const;
const REDIRECT_STATUS = [301, 302, 303, 307, 308];

export function readRedirectAction(r: MessageReader): RedirectActionConfig {
  const code = r.enumValue('response_code', REDIRECT_CODES, 'MOVED_PERMANENTLY');
  const out: RedirectActionConfig = {
    kind: 'redirect',
    responseCode: REDIRECT_STATUS[REDIRECT_CODES.indexOf(code)]!,
    stripQuery: r.bool('strip_query', false),
  };
  const scheme = r.oneof(['https_redirect', 'scheme_redirect'], 'scheme_rewrite_specifier');
  if (scheme === 'https_redirect') {
    if (r.bool('https_redirect', false)) out.schemeRedirect = 'https';
  } else if (scheme === 'scheme_redirect') out.schemeRedirect = r.str('scheme_redirect')?.toLowerCase();
  const host = r.str('host_redirect');
  if (host !== undefined) out.hostRedirect = host;
  const port = r.optionalUint32('port_redirect', 0, 65535);
  if (port !== undefined && port > 0) out.portRedirect = port;
  const path = r.oneof(['path_redirect', 'prefix_rewrite', 'regex_rewrite'], 'path_rewrite_specifier');
  if (path === 'path_redirect') out.pathRedirect = r.str('path_redirect');
  else if (path === 'prefix_rewrite') out.prefixRewrite = r.str('prefix_rewrite');
  else if (path === 'regex_rewrite') {
    const m = r.message('regex_rewrite');
    if (m) out.regexRewrite = readRegexRewrite(m);
  }
  r.finish();
  return out;
}

export function readDirectResponse(r: MessageReader): DirectResponseActionConfig {
  const status = r.uint32('status', 0, 100, 599);
  if (!r.has('status')) r.error('status', `'status' is required`);
  const out: DirectResponseActionConfig = { kind: 'direct_response', status };
  const body = r.message('body');
  if (body) out.body = readDataSource(body);
  r.finish();
  return out;
}

// envoy.filters.network.http_connection_manager → HttpConnectionManagerConfig, with its HTTP filter
// list and its route configuration (inline or by RDS name).
import type { HttpConnectionManagerConfig, HttpFilterConfig } from '../../config/index.ts';
import { readAccessLogs } from './access-log.ts';
import { type ExtensionKind, readTypedConfig, resolveExtension } from './common.ts';
import { readAdsConfigSource } from './config-source.ts';
import type { MessageReader } from './reader.ts';
import { readRouteConfiguration } from './route-config.ts';

export const HCM_TYPE = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

/**
 * HTTP filters the proxy implements. Their typed_config is kept as plain JSON in
 * HttpFilterConfig.config and validated by each filter's implementation. Adding a filter is adding
 * one line here.
 */
export const HTTP_FILTERS: readonly ExtensionKind<string>[] = [
  {
    id: 'envoy.filters.http.router',
    names: ['envoy.filters.http.router', 'envoy.router'],
    type: 'envoy.extensions.filters.http.router.v3.Router',
  },
  {
    id: 'envoy.filters.http.fault',
    names: ['envoy.filters.http.fault', 'envoy.fault'],
    type: 'envoy.extensions.filters.http.fault.v3.HTTPFault',
  },
  {
    id: 'envoy.filters.http.cors',
    names: ['envoy.filters.http.cors', 'envoy.cors'],
    type: 'envoy.extensions.filters.http.cors.v3.Cors',
  },
  {
    id: 'envoy.filters.http.grpc_stats',
    names: ['envoy.filters.http.grpc_stats'],
    type: 'envoy.extensions.filters.http.grpc_stats.v3.FilterConfig',
  },
];

const ROUTER = 'envoy.filters.http.router';
const CODECS = ['AUTO', 'HTTP1', 'HTTP2', 'HTTP3'] as const;
const SERVER_HEADER = ['OVERWRITE', 'APPEND_IF_ABSENT', 'PASS_THROUGH'] as const;

/** Envoy defaults for the connection manager's timeouts and limits. */
export const HCM_DEFAULTS = {
  streamIdleTimeoutMs: 300_000,
  idleTimeoutMs: 3_600_000,
  requestTimeoutMs: 0,
  requestHeadersTimeoutMs: 0,
  maxRequestHeadersKb: 60,
  /** common_http_protocol_options.max_headers_count */
  maxHeadersCount: 100,
} as const;

// Fields that change nothing observable for this proxy.
const HCM_NOOP = [
  // drain_timeout / delayed_close_timeout: shutdown and close timing of a connection already done.
  'drain_timeout',
  'delayed_close_timeout',
  // periodic flushing of access log lines for long-lived streams: we write one line when a stream ends.
  'access_log_flush_interval',
];

/**
 * xff_num_trusted_hops: only 0 is implemented (the remote address is the connection's peer). A
 * larger value would make Envoy take the client address from x-forwarded-for, which decides
 * whether a request is internal; accepting it and ignoring it would trust the wrong address.
 */
function trustedHops(r: MessageReader): number {
  const hops = r.uint32('xff_num_trusted_hops', 0);
  if (hops !== 0)
    r.error('xff_num_trusted_hops', `only 0 is supported (the client address is the connection's peer)`);
  return 0;
}

export function readHttpConnectionManager(r: MessageReader): HttpConnectionManagerConfig {
  const codec = r.enumValue('codec_type', CODECS, 'AUTO');
  if (codec === 'HTTP3') r.error('codec_type', `HTTP/3 is not supported`);
  const out: HttpConnectionManagerConfig = {
    kind: 'http_connection_manager',
    statPrefix: r.requiredStr('stat_prefix'),
    codec: codec === 'HTTP3' ? 'AUTO' : codec,
    httpFilters: readHttpFilters(r),
    requestTimeoutMs: r.durationMs('request_timeout') ?? HCM_DEFAULTS.requestTimeoutMs,
    requestHeadersTimeoutMs: r.durationMs('request_headers_timeout') ?? HCM_DEFAULTS.requestHeadersTimeoutMs,
    streamIdleTimeoutMs: r.durationMs('stream_idle_timeout') ?? HCM_DEFAULTS.streamIdleTimeoutMs,
    idleTimeoutMs: HCM_DEFAULTS.idleTimeoutMs,
    maxRequestHeadersKb: r.uint32('max_request_headers_kb', HCM_DEFAULTS.maxRequestHeadersKb, 1, 8192),
    maxHeadersCount: HCM_DEFAULTS.maxHeadersCount,
    useRemoteAddress: r.bool('use_remote_address', false),
    xffNumTrustedHops: trustedHops(r),
    skipXffAppend: r.bool('skip_xff_append', false),
    generateRequestId: r.bool('generate_request_id', true),
    proxy100Continue: r.bool('proxy_100_continue', false),
    acceptHttp10: false,
    defaultHostForHttp10: '',
    preserveExternalRequestId: r.bool('preserve_external_request_id', false),
    serverName: r.str('server_name') || 'envoy',
    serverHeaderTransformation: r.enumValue('server_header_transformation', SERVER_HEADER, 'OVERWRITE'),
    normalizePath: r.bool('normalize_path', false),
    mergeSlashes: r.bool('merge_slashes', false),
    upgrades: [],
    accessLog: readAccessLogs(r),
  };
  const routeSource = r.oneof(['rds', 'route_config', 'scoped_routes'], 'route_specifier');
  if (routeSource === undefined) r.ctx.add(r.path, `http connection manager needs 'rds' or 'route_config'`);
  else if (routeSource === 'route_config') {
    const rc = r.message('route_config');
    if (rc) out.routeConfig = readRouteConfiguration(rc);
  } else if (routeSource === 'rds') {
    const rds = r.message('rds');
    if (rds) {
      readAdsConfigSource(rds.message('config_source'), rds, 'config_source');
      out.rdsRouteConfigName = rds.requiredStr('route_config_name');
      rds.finish();
    }
  } else r.error(routeSource, `'scoped_routes' is not supported`);

  const common = r.message('common_http_protocol_options');
  if (common) {
    out.idleTimeoutMs = common.durationMs('idle_timeout') ?? HCM_DEFAULTS.idleTimeoutMs;
    out.maxHeadersCount = common.uint32('max_headers_count', HCM_DEFAULTS.maxHeadersCount, 1);
    common.finish();
  }
  const h1 = r.message('http_protocol_options');
  if (h1) {
    out.acceptHttp10 = h1.bool('accept_http_10', false);
    out.defaultHostForHttp10 = h1.str('default_host_for_http_10') ?? '';
    h1.finish();
  }
  // Present but empty means "the defaults", which is what we implement.
  r.message('http2_protocol_options')?.finish();
  for (const u of r.messages('upgrade_configs')) {
    const type = u.requiredStr('upgrade_type').toLowerCase();
    if (u.bool('enabled', true)) out.upgrades.push(type);
    if (u.has('filters')) u.error('filters', `per-upgrade filter chains are not supported`);
    u.finish();
  }
  r.finish(HCM_NOOP);
  return out;
}

function readHttpFilters(r: MessageReader): HttpFilterConfig[] {
  const out: HttpFilterConfig[] = [];
  const entries = r.messages('http_filters');
  entries.forEach((f, i) => {
    const name = f.requiredStr('name', 'HTTP filter name');
    const typed = readTypedConfig(f);
    const optional = f.bool('is_optional', false);
    if (f.has('config_discovery'))
      f.error('config_discovery', `filter config discovery (ECDS) is not supported`);
    if (f.bool('disabled', false)) f.error('disabled', `disabled HTTP filters are not supported`);
    const kind = resolveExtension(f, HTTP_FILTERS, name, typed, 'HTTP filter', optional);
    f.finish();
    if (!kind) return; // unknown and optional: Envoy skips it
    const isLast = i === entries.length - 1;
    if (kind.id === ROUTER && !isLast) {
      f.ctx.add(
        f.path,
        `terminal filter named ${name} of type ${ROUTER} must be the last filter in a http filter chain`,
      );
    }
    if (kind.id !== ROUTER && isLast) {
      f.ctx.add(
        f.path,
        `non-terminal filter named ${name} of type ${kind.id} is the last filter in a http filter chain`,
      );
    }
    out.push({ name: kind.id, config: typed ? typed.raw : {} });
  });
  if (!out.some((f) => f.name === ROUTER)) {
    r.error('http_filters', `the http filter chain must end with ${ROUTER}`);
  }
  return out;
}

// The proxy's internal configuration model: what Envoy's xDS v3 resources (Listener,
// RouteConfiguration, Cluster, ClusterLoadAssignment) mean, decoded and validated once, in a shape
// the engine can compile. Decoders in ../xds produce these from Envoy's canonical JSON form (as in
// a bootstrap file) whether the resource came from a bootstrap or from an ADS stream, so there is
// one place per resource type that decides what is valid. Durations are milliseconds; absent
// optional fields are `undefined`; defaults are applied by the decoder, as Envoy documents them.

import type { ConfigDumpSources } from './dump.ts';

export interface SocketAddress {
  host: string;
  port: number;
}

// ---------------------------------------------------------------------------------------------
// String and header matching (envoy.type.matcher.v3.StringMatcher, config.route.v3.HeaderMatcher)

export type StringMatchKind = 'exact' | 'prefix' | 'suffix' | 'contains' | 'regex';

export interface StringMatcherConfig {
  kind: StringMatchKind;
  /** The literal, or the RE2 pattern for 'regex' (which must match the whole value). */
  value: string;
  ignoreCase: boolean;
}

export type HeaderMatchSpec =
  | { kind: 'string'; matcher: StringMatcherConfig }
  | { kind: 'present'; present: boolean }
  | { kind: 'range'; start: number; end: number };

export interface HeaderMatcherConfig {
  /** Lower-cased header name; ':authority', ':path', ':method', ':scheme' are pseudo-headers. */
  name: string;
  spec: HeaderMatchSpec;
  invert: boolean;
  treatMissingAsEmpty: boolean;
}

export interface QueryParameterMatcherConfig {
  name: string;
  /** `undefined` with presentMatch true: the parameter must be present, with any value. */
  matcher?: StringMatcherConfig;
  presentMatch: boolean;
}

// ---------------------------------------------------------------------------------------------
// Header mutation (config.core.v3.HeaderValueOption and *_headers_to_remove)

export type HeaderAppendAction =
  | 'APPEND_IF_EXISTS_OR_ADD'
  | 'ADD_IF_ABSENT'
  | 'OVERWRITE_IF_EXISTS_OR_ADD'
  | 'OVERWRITE_IF_EXISTS';

export interface HeaderValueOptionConfig {
  /** Lower-cased header name. */
  key: string;
  value: string;
  appendAction: HeaderAppendAction;
  keepEmptyValue: boolean;
}

export interface HeaderMutationConfig {
  add: HeaderValueOptionConfig[];
  /** Lower-cased names. */
  remove: string[];
}

// ---------------------------------------------------------------------------------------------
// Routes (config.route.v3.RouteConfiguration)

export interface RouteConfig {
  name: string;
  virtualHosts: VirtualHostConfig[];
  requestHeaders: HeaderMutationConfig;
  responseHeaders: HeaderMutationConfig;
  /** Envoy's RouteConfiguration.validate_clusters is not implemented; references are checked lazily. */
}

export interface VirtualHostConfig {
  name: string;
  /** As given: exact 'foo.com', suffix '*.foo.com', prefix 'foo.*', or '*'; ports allowed. */
  domains: string[];
  routes: RouteEntryConfig[];
  requestHeaders: HeaderMutationConfig;
  responseHeaders: HeaderMutationConfig;
  retryPolicy?: RetryPolicyConfig;
  /** include_request_attempt_count: send x-envoy-attempt-count upstream (1, 2, … per retry). */
  includeRequestAttemptCount?: boolean;
  /** VirtualHost.require_tls is not implemented. */
}

export type PathMatchConfig =
  | { kind: 'prefix'; value: string }
  | { kind: 'path'; value: string }
  | { kind: 'safe_regex'; value: string }
  | { kind: 'path_separated_prefix'; value: string };

export interface RouteMatchConfig {
  path: PathMatchConfig;
  /** Applies to prefix and path matching (Envoy default true). */
  caseSensitive: boolean;
  headers: HeaderMatcherConfig[];
  queryParameters: QueryParameterMatcherConfig[];
  /** Only match gRPC requests (content-type application/grpc*). */
  grpc: boolean;
  /** runtime_fraction's default_value as a fraction 0..1 of requests; undefined: always. */
  fraction?: number;
}

export interface RouteEntryConfig {
  name: string;
  match: RouteMatchConfig;
  action: RouteActionConfig | RedirectActionConfig | DirectResponseActionConfig;
  requestHeaders: HeaderMutationConfig;
  responseHeaders: HeaderMutationConfig;
  /** typed_per_filter_config, by filter name, already decoded by that filter's decoder. */
  perFilterConfig: Record<string, unknown>;
  /** decorator.operation, used for tracing span names. */
  operation?: string;
}

export interface WeightedClusterConfig {
  name: string;
  weight: number;
  requestHeaders: HeaderMutationConfig;
  responseHeaders: HeaderMutationConfig;
}

export interface HashPolicyConfig {
  spec:
    | { kind: 'header'; name: string }
    | { kind: 'cookie'; name: string; ttlMs?: number; path?: string }
    | { kind: 'source_ip' }
    | { kind: 'query_parameter'; name: string };
  terminal: boolean;
}

export interface RetryPolicyConfig {
  /** Comma-separated retry_on conditions, split: '5xx', 'gateway-error', 'connect-failure', … */
  retryOn: string[];
  numRetries: number;
  perTryTimeoutMs?: number;
  retriableStatusCodes: number[];
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** retry_host_predicate previous_hosts: try another host on retry. */
  retryOtherHost: boolean;
  hostSelectionRetryMaxAttempts: number;
}

export interface MirrorPolicyConfig {
  cluster: string;
  /** Fraction 0..1 of requests mirrored (runtime_fraction default_value). */
  fraction: number;
}

export interface RouteActionConfig {
  kind: 'route';
  /** Exactly one of cluster, weightedClusters, clusterHeader is set. */
  cluster?: string;
  weightedClusters?: WeightedClusterConfig[];
  clusterHeader?: string;
  prefixRewrite?: string;
  regexRewrite?: { pattern: string; substitution: string };
  hostRewriteLiteral?: string;
  hostRewriteHeader?: string;
  autoHostRewrite: boolean;
  /** Route timeout; 0 disables it. Envoy's default is 15 s. */
  timeoutMs: number;
  idleTimeoutMs?: number;
  retryPolicy?: RetryPolicyConfig;
  hashPolicy: HashPolicyConfig[];
  mirrors: MirrorPolicyConfig[];
  /** upgrade_configs: upgrade types allowed on this route (e.g. 'websocket'). */
  upgrades: string[];
  /** upgrade_configs with enabled: false: refused on this route even where the HCM allows them. */
  disabledUpgrades?: string[];
}

export interface RedirectActionConfig {
  kind: 'redirect';
  schemeRedirect?: string;
  hostRedirect?: string;
  portRedirect?: number;
  pathRedirect?: string;
  prefixRewrite?: string;
  regexRewrite?: { pattern: string; substitution: string };
  /** 301 (default), 302, 303, 307, 308. */
  responseCode: number;
  stripQuery: boolean;
}

export interface DirectResponseActionConfig {
  kind: 'direct_response';
  status: number;
  body?: string;
}

// ---------------------------------------------------------------------------------------------
// HTTP connection manager and HTTP filters

export interface HttpFilterConfig {
  /** e.g. 'envoy.filters.http.router', 'envoy.filters.http.fault'. */
  name: string;
  /** Decoded typed_config of the filter (the filter's own decoder defines the shape). */
  config: unknown;
}

export interface HttpConnectionManagerConfig {
  kind: 'http_connection_manager';
  statPrefix: string;
  codec: 'AUTO' | 'HTTP1' | 'HTTP2';
  /** Inline route_config, or the name to get from RDS. */
  routeConfig?: RouteConfig;
  rdsRouteConfigName?: string;
  httpFilters: HttpFilterConfig[];
  /** Time to receive the whole request (0 = none). Envoy default: 0. */
  requestTimeoutMs: number;
  /** Time to receive the request headers. Envoy default: 0 (disabled). */
  requestHeadersTimeoutMs: number;
  /** Per-stream idle timeout. Envoy default: 5 min. */
  streamIdleTimeoutMs: number;
  /** Connection idle timeout (common_http_protocol_options.idle_timeout). Envoy default: 1 h. */
  idleTimeoutMs: number;
  /** max_request_headers_kb; Envoy default 60. Over it: 431. */
  maxRequestHeadersKb: number;
  /** common_http_protocol_options.max_headers_count; Envoy default 100. Over it: 431. */
  maxHeadersCount: number;
  useRemoteAddress: boolean;
  xffNumTrustedHops: number;
  skipXffAppend: boolean;
  generateRequestId: boolean;
  /**
   * proxy_100_continue: forward `Expect: 100-continue` and the upstream's 100. Off (Envoy's
   * default): the proxy answers 100 Continue itself and removes Expect.
   */
  proxy100Continue: boolean;
  /**
   * http_protocol_options.accept_http_10: off (Envoy's default), an HTTP/1.0 request is answered
   * 426 Upgrade Required and the connection closed.
   */
  acceptHttp10: boolean;
  /** http_protocol_options.default_host_for_http_10: the Host of an HTTP/1.0 request without one. */
  defaultHostForHttp10: string;
  preserveExternalRequestId: boolean;
  /** server_name for the `server` response header (Envoy default 'envoy'). */
  serverName: string;
  serverHeaderTransformation: 'OVERWRITE' | 'APPEND_IF_ABSENT' | 'PASS_THROUGH';
  normalizePath: boolean;
  mergeSlashes: boolean;
  /** Upgrade types allowed by the connection manager (upgrade_configs), e.g. ['websocket']. */
  upgrades: string[];
  accessLog: AccessLogConfig[];
}

export interface AccessLogConfig {
  /** 'file' (path may be /dev/stdout) in text or JSON format. */
  path: string;
  /** Envoy format string (text_format / text_format_source), or undefined for Envoy's default. */
  textFormat?: string;
  jsonFormat?: Record<string, string>;
}

export interface TcpProxyConfig {
  kind: 'tcp_proxy';
  statPrefix: string;
  /** Exactly one of cluster and weightedClusters. */
  cluster?: string;
  weightedClusters?: { name: string; weight: number }[];
  /** Envoy default 1 h; 0 disables. */
  idleTimeoutMs: number;
  maxConnectAttempts: number;
  accessLog: AccessLogConfig[];
}

export type NetworkFilterConfig = HttpConnectionManagerConfig | TcpProxyConfig;

// ---------------------------------------------------------------------------------------------
// Listeners (config.listener.v3.Listener)

export interface FilterChainMatchConfig {
  destinationPort?: number;
  /** CIDR ranges of the destination address, as 'addr/len'. */
  prefixRanges: string[];
  sourcePrefixRanges: string[];
  /** SNI names; '*.example.com' wildcards allowed. */
  serverNames: string[];
  /** 'raw_buffer' or 'tls' (as detected by the tls_inspector listener filter). */
  transportProtocol?: string;
  /** ALPN values, e.g. 'h2', 'http/1.1', 'istio-peer-exchange'. */
  applicationProtocols: string[];
}

export interface DownstreamTlsConfig {
  /** PEM. From inline data or SDS secrets resolved by the caller. */
  certificateChain?: string;
  privateKey?: string;
  /** SDS secret names to resolve later (tls_certificate_sds_secret_configs). */
  certificateSdsNames: string[];
  trustedCa?: string;
  validationSdsName?: string;
  requireClientCertificate: boolean;
  alpnProtocols: string[];
  /** match_subject_alt_names as string matchers on SAN URIs/DNS names. */
  matchSubjectAltNames: StringMatcherConfig[];
}

export interface FilterChainConfig {
  name: string;
  match: FilterChainMatchConfig;
  tls?: DownstreamTlsConfig;
  /** The terminal network filter (http_connection_manager or tcp_proxy). */
  filter: NetworkFilterConfig;
}

export interface ListenerConfig {
  name: string;
  address: SocketAddress;
  filterChains: FilterChainConfig[];
  defaultFilterChain?: FilterChainConfig;
  /** Listener filters present: 'envoy.filters.listener.tls_inspector', 'http_inspector', 'original_dst'. */
  listenerFilters: string[];
  useOriginalDst: boolean;
  /** false: not bound itself, only reached by a virtual listener handing connections over. */
  bindToPort: boolean;
  /** Stat prefix: Envoy uses the address, e.g. '0.0.0.0_9080' (listener.0.0.0.0_9080.*). */
  statPrefix: string;
  perConnectionBufferLimitBytes: number;
}

// ---------------------------------------------------------------------------------------------
// Clusters (config.cluster.v3.Cluster) and endpoints (ClusterLoadAssignment)

export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH' | 'MAGLEV';

export interface CircuitBreakerThresholds {
  /** Envoy defaults: 1024 each, max_retries 3. */
  maxConnections: number;
  maxPendingRequests: number;
  maxRequests: number;
  maxRetries: number;
  /** track_remaining: publish circuit_breakers.default.remaining_* gauges (Istio sets it). */
  trackRemaining?: boolean;
  /**
   * The HIGH priority thresholds, shown by /clusters: HIGH-priority routes are refused, so they
   * limit nothing here. Absent: Envoy's defaults.
   */
  highPriority?: CircuitBreakerThresholds;
}

export interface OutlierDetectionConfig {
  consecutive5xx: number;
  consecutiveGatewayFailure: number;
  consecutiveLocalOriginFailure: number;
  intervalMs: number;
  baseEjectionTimeMs: number;
  maxEjectionTimeMs: number;
  maxEjectionPercent: number;
  /** Envoy's always_eject_one_host: the first ejection ignores max_ejection_percent (Istio leaves it off). */
  alwaysEjectOneHost: boolean;
  enforcingConsecutive5xx: number;
  enforcingConsecutiveGatewayFailure: number;
  splitExternalLocalOriginErrors: boolean;
  /** Success-rate ejection (Envoy's defaults: on at 100, 5 hosts, 100 requests, factor 1900). */
  enforcingSuccessRate: number;
  successRateMinimumHosts: number;
  successRateRequestVolume: number;
  successRateStdevFactor: number;
}

export interface UpstreamTlsConfig {
  sni?: string;
  certificateChain?: string;
  privateKey?: string;
  certificateSdsNames: string[];
  trustedCa?: string;
  validationSdsName?: string;
  alpnProtocols: string[];
  matchSubjectAltNames: StringMatcherConfig[];
}

export interface ClusterConfig {
  name: string;
  /** alt_stat_name: the name the cluster's stats and observability_name use instead of `name`. */
  altStatName?: string;
  /** STATIC and EDS are the ones the proxy serves; STRICT_DNS/LOGICAL_DNS resolve hostnames. */
  discovery: 'STATIC' | 'EDS' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'ORIGINAL_DST';
  /** eds_cluster_config.service_name, defaulting to the cluster name. */
  edsServiceName: string;
  /** Endpoints given inline (load_assignment); EDS clusters get theirs from EndpointAssignment. */
  loadAssignment?: EndpointAssignmentConfig;
  connectTimeoutMs: number;
  lbPolicy: LbPolicy;
  ringHash: { minimumRingSize: number; maximumRingSize: number };
  maglev: { tableSize: number };
  leastRequest: { choiceCount: number };
  circuitBreakers: CircuitBreakerThresholds;
  outlierDetection?: OutlierDetectionConfig;
  /**
   * common_lb_config.healthy_panic_threshold, a whole percent (Envoy rounds the Percent), default
   * 50: below it the balancer uses every host of the level, ejected or unhealthy ones too. 0 turns
   * panic mode off, so a level with no usable host has no host to give.
   */
  healthyPanicThreshold: number;
  /** Upstream HTTP protocol: 'http1', 'http2', 'auto' (ALPN), or 'downstream' (the request's own). */
  upstreamProtocol: 'http1' | 'http2' | 'auto' | 'downstream';
  /** common_http_protocol_options. */
  idleTimeoutMs: number;
  maxRequestsPerConnection: number;
  tls?: UpstreamTlsConfig;
  perConnectionBufferLimitBytes: number;
  /** Cluster.metadata filter_metadata.istio and similar, kept for admin output. */
  metadata: Record<string, unknown>;
  /** ORIGINAL_DST clusters: cleanup_interval and original_dst_lb_config. */
  originalDst?: OriginalDstConfig;
}

/** How an ORIGINAL_DST cluster finds a connection's or request's destination (Envoy's OriginalDstLbConfig). */
export interface OriginalDstConfig {
  /** cleanup_interval: hosts not used between two sweeps are removed (default 5 s). */
  cleanupIntervalMs: number;
  /** use_http_header: a request header (httpHeaderName) 'ip:port' overrides the destination. */
  useHttpHeader: boolean;
  /** http_header_name, lower-cased; default 'x-envoy-original-dst-host'. */
  httpHeaderName: string;
  /** upstream_port_override: this port replaces the destination's. */
  upstreamPortOverride?: number;
}

export type HealthStatus = 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY' | 'DRAINING' | 'TIMEOUT' | 'DEGRADED';

export interface LbEndpointConfig {
  address: SocketAddress;
  healthStatus: HealthStatus;
  /** load_balancing_weight, default 1. */
  weight: number;
  hostname?: string;
  metadata: Record<string, unknown>;
}

export interface LocalityEndpointsConfig {
  locality: { region: string; zone: string; subZone: string };
  priority: number;
  /** load_balancing_weight of the locality, when locality-weighted LB is in use. */
  weight?: number;
  endpoints: LbEndpointConfig[];
}

export interface EndpointAssignmentConfig {
  clusterName: string;
  localities: LocalityEndpointsConfig[];
}

// ---------------------------------------------------------------------------------------------
// The whole of what a proxy runs on; swapped as a unit, never mutated.

export interface AdminConfig {
  address: SocketAddress;
  accessLogPath?: string;
}

export interface NodeIdentity {
  id: string;
  cluster: string;
  metadata: Record<string, unknown>;
}

export interface ProxySnapshot {
  node: NodeIdentity;
  admin?: AdminConfig;
  listeners: ListenerConfig[];
  clusters: ClusterConfig[];
  /** RDS route configurations, by name. */
  routes: Map<string, RouteConfig>;
  /** EDS assignments, by cluster (service) name. */
  endpoints: Map<string, EndpointAssignmentConfig>;
  /** Where the listeners/clusters came from, for config_dump: 'static' or an xDS version. */
  versions: { listeners: string; clusters: string; routes: string; endpoints: string };
  /** The resources as they were given, for the admin /config_dump (absent: an empty dump). */
  dump?: ConfigDumpSources;
}

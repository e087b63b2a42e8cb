// config.cluster.v3.Cluster → ClusterConfig: discovery type, load balancing, circuit breakers,
// outlier detection, upstream HTTP protocol options and TLS, with Envoy's documented defaults.
import type {
  CircuitBreakerThresholds,
  ClusterConfig,
  LbPolicy,
  OriginalDstConfig,
  OutlierDetectionConfig,
} from '../../config/index.ts';
import { readMetadata, readTypedConfig } from './common.ts';
import { readAdsConfigSource } from './config-source.ts';
import { readClusterLoadAssignment } from './endpoint.ts';
import { DEFAULT_BUFFER_LIMIT_BYTES } from './listener.ts';
import { describe, type MessageReader } from './reader.ts';
import { readUpstreamTransportSocket } from './tls.ts';

const DISCOVERY = ['STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'EDS', 'ORIGINAL_DST'] as const;
const LB_POLICIES = [
  'ROUND_ROBIN',
  'LEAST_REQUEST',
  'RING_HASH',
  'RANDOM',
  '',
  'MAGLEV',
  'CLUSTER_PROVIDED',
  'LOAD_BALANCING_POLICY_CONFIG',
] as const;

/** Envoy's defaults for what a Cluster leaves unset. */
export const CLUSTER_DEFAULTS = {
  connectTimeoutMs: 5_000,
  circuitBreakers: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 },
  ringHash: { minimumRingSize: 1024, maximumRingSize: 8_388_608 },
  maglevTableSize: 65_537,
  leastRequestChoiceCount: 2,
  idleTimeoutMs: 3_600_000,
  /** common_lb_config.healthy_panic_threshold when unset. */
  healthyPanicThreshold: 50,
  /** ORIGINAL_DST cleanup_interval when unset. */
  originalDstCleanupIntervalMs: 5_000,
  originalDstHttpHeader: 'x-envoy-original-dst-host',
} as const;

const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

// Cluster fields that change nothing observable for this proxy.
const CLUSTER_NOOP = [
  'track_cluster_stats', // optional extra histograms
  'track_timeout_budgets',
  'wait_for_warm_on_init', // clusters here are usable as soon as their endpoints are known
];

export function readCluster(r: MessageReader, name: string): ClusterConfig {
  const discovery = r.enumValue('type', DISCOVERY, 'STATIC');
  if (r.has('cluster_type')) r.error('cluster_type', `custom cluster types are not supported`);
  const lb = r.enumValue('lb_policy', LB_POLICIES as readonly (typeof LB_POLICIES)[number][], 'ROUND_ROBIN');
  const out: ClusterConfig = {
    name,
    discovery,
    edsServiceName: name,
    connectTimeoutMs: CLUSTER_DEFAULTS.connectTimeoutMs,
    lbPolicy: 'ROUND_ROBIN',
    ringHash: { ...CLUSTER_DEFAULTS.ringHash },
    maglev: { tableSize: CLUSTER_DEFAULTS.maglevTableSize },
    leastRequest: { choiceCount: CLUSTER_DEFAULTS.leastRequestChoiceCount },
    circuitBreakers: readCircuitBreakers(r),
    healthyPanicThreshold: CLUSTER_DEFAULTS.healthyPanicThreshold,
    upstreamProtocol: 'http1',
    idleTimeoutMs: CLUSTER_DEFAULTS.idleTimeoutMs,
    maxRequestsPerConnection: 0,
    perConnectionBufferLimitBytes: r.uint32('per_connection_buffer_limit_bytes', DEFAULT_BUFFER_LIMIT_BYTES),
    metadata: readMetadata(r),
  };
  const alt = r.str('alt_stat_name');
  if (alt) out.altStatName = alt;
  const connect = r.durationMs('connect_timeout');
  if (connect !== undefined) {
    if (connect <= 0) r.error('connect_timeout', `'connect_timeout' must be greater than 0`);
    else out.connectTimeoutMs = connect;
  }
  readLbPolicy(r, lb, out);

  const eds = r.message('eds_cluster_config');
  if (eds) {
    if (discovery !== 'EDS')
      r.error('eds_cluster_config', `'eds_cluster_config' is only valid for EDS clusters`);
    readAdsConfigSource(eds.message('eds_config'), eds, 'eds_config');
    out.edsServiceName = eds.str('service_name') || name;
    eds.finish();
  } else if (discovery === 'EDS')
    r.error('eds_cluster_config', `EDS cluster needs 'eds_cluster_config' with 'eds_config: {ads: {}}'`);

  const la = r.message('load_assignment');
  if (la)
    out.loadAssignment = readClusterLoadAssignment(
      la,
      discovery === 'STRICT_DNS' || discovery === 'LOGICAL_DNS',
    );
  if (la && discovery === 'ORIGINAL_DST')
    r.error('load_assignment', `ORIGINAL_DST clusters must have no load assignment configured`);
  if (discovery === 'ORIGINAL_DST') out.originalDst = readOriginalDst(r);
  if (!la && (discovery === 'STATIC' || discovery === 'STRICT_DNS' || discovery === 'LOGICAL_DNS')) {
    r.error('load_assignment', `${discovery} cluster needs 'load_assignment'`);
  }
  if (discovery === 'LOGICAL_DNS' && out.loadAssignment) {
    const count = out.loadAssignment.localities.reduce((n, l) => n + l.endpoints.length, 0);
    if (count !== 1) r.error('load_assignment', `LOGICAL_DNS clusters must have a single host, got ${count}`);
  }

  const outlier = r.message('outlier_detection');
  if (outlier && discovery === 'ORIGINAL_DST')
    r.error('outlier_detection', `'outlier_detection' is not supported for ORIGINAL_DST clusters`);
  else if (outlier) out.outlierDetection = readOutlierDetection(outlier);
  readProtocolOptions(r, out);
  const tls = readUpstreamTransportSocket(r);
  if (tls) out.tls = tls;
  const common = r.message('common_lb_config');
  if (common) readCommonLbConfig(common, out);
  r.finish(CLUSTER_NOOP);
  return out;
}

function readLbPolicy(r: MessageReader, lb: (typeof LB_POLICIES)[number], out: ClusterConfig): void {
  if (out.discovery === 'ORIGINAL_DST') {
    if (lb !== 'CLUSTER_PROVIDED') {
      r.error(
        'lb_policy',
        `LB policy ${lb} is not valid for Cluster type ORIGINAL_DST; only 'CLUSTER_PROVIDED' is allowed`,
      );
    }
  } else if (lb === 'CLUSTER_PROVIDED' || lb === 'LOAD_BALANCING_POLICY_CONFIG' || lb === '') {
    r.error('lb_policy', `LB policy ${lb} is not supported for cluster type ${out.discovery}`);
  } else out.lbPolicy = lb as LbPolicy;
  if (r.has('load_balancing_policy'))
    r.error('load_balancing_policy', `'load_balancing_policy' is not supported; use lb_policy`);

  const ring = r.message('ring_hash_lb_config');
  if (ring) {
    const min = ring.uint32('minimum_ring_size', CLUSTER_DEFAULTS.ringHash.minimumRingSize, 1, 8_388_608);
    const max = ring.uint32('maximum_ring_size', CLUSTER_DEFAULTS.ringHash.maximumRingSize, 1, 8_388_608);
    if (min > max)
      ring.error(
        'minimum_ring_size',
        `minimum_ring_size (${min}) must not exceed maximum_ring_size (${max})`,
      );
    if (ring.enumValue('hash_function', ['XX_HASH', 'MURMUR_HASH_2'], 'XX_HASH') !== 'XX_HASH') {
      ring.error('hash_function', `only the XX_HASH hash function is supported`);
    }
    out.ringHash = { minimumRingSize: min, maximumRingSize: max };
    ring.finish();
  }
  const maglev = r.message('maglev_lb_config');
  if (maglev) {
    const size = maglev.uint32('table_size', CLUSTER_DEFAULTS.maglevTableSize);
    if (!isPrime(size))
      maglev.error('table_size', `the table size of maglev must be prime number, got ${size}`);
    out.maglev = { tableSize: size };
    maglev.finish();
  }
  const least = r.message('least_request_lb_config');
  if (least) {
    out.leastRequest = {
      choiceCount: least.uint32('choice_count', CLUSTER_DEFAULTS.leastRequestChoiceCount, 2),
    };
    least.finish();
  }
  // round_robin_lb_config only holds slow_start_config, reported by finish() when set.
  r.message('round_robin_lb_config')?.finish();
}

/**
 * ORIGINAL_DST: cleanup_interval and original_dst_lb_config. use_http_header, http_header_name and
 * upstream_port_override are honoured; metadata_key (the destination from dynamic metadata) is not.
 */
function readOriginalDst(r: MessageReader): OriginalDstConfig {
  const out: OriginalDstConfig = {
    cleanupIntervalMs: CLUSTER_DEFAULTS.originalDstCleanupIntervalMs,
    useHttpHeader: false,
    httpHeaderName: CLUSTER_DEFAULTS.originalDstHttpHeader,
  };
  const cleanup = r.durationMs('cleanup_interval');
  if (cleanup !== undefined) {
    if (cleanup <= 0) r.error('cleanup_interval', `'cleanup_interval' must be greater than 0`);
    else out.cleanupIntervalMs = cleanup;
  }
  const lb = r.message('original_dst_lb_config');
  if (!lb) return out;
  out.useHttpHeader = lb.bool('use_http_header', false);
  const header = lb.str('http_header_name');
  if (header) out.httpHeaderName = header.toLowerCase();
  // A UInt32Value: a plain number in canonical JSON.
  const port = lb.optionalUint32('upstream_port_override', 1, 65_535);
  if (port !== undefined) out.upstreamPortOverride = port;
  if (lb.get('metadata_key') !== undefined)
    lb.error(
      'metadata_key',
      `'original_dst_lb_config.metadata_key' is not supported: the destination comes from the connection, the authority or use_http_header`,
    );
  lb.finish();
  return out;
}

/** Cluster.CommonLbConfig: the healthy panic threshold; any other field inside is reported. */
function readCommonLbConfig(r: MessageReader, out: ClusterConfig): void {
  const threshold = r.message('healthy_panic_threshold');
  if (threshold) {
    // type.v3.Percent: a double 0..100 (an empty message is 0). Envoy rounds it to a whole percent.
    const v = threshold.get('value');
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : (v ?? 0);
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 100) {
      threshold.error(
        'value',
        `'healthy_panic_threshold' must be a percent between 0 and 100, got ${describe(v)}`,
      );
    } else out.healthyPanicThreshold = Math.round(n);
    threshold.finish();
  }
  r.finish();
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let i = 2; i * i <= n; i++) if (n % i === 0) return false;
  return true;
}

function readCircuitBreakers(r: MessageReader): CircuitBreakerThresholds {
  const out: CircuitBreakerThresholds = { ...CLUSTER_DEFAULTS.circuitBreakers };
  const cb = r.message('circuit_breakers');
  if (!cb) return out;
  let seenDefault = false;
  let high: CircuitBreakerThresholds | undefined;
  for (const t of cb.messages('thresholds')) {
    const priority = t.enumValue('priority', ['DEFAULT', 'HIGH'], 'DEFAULT');
    const limits: CircuitBreakerThresholds = {
      maxConnections: t.uint32('max_connections', 1024),
      maxPendingRequests: t.uint32('max_pending_requests', 1024),
      maxRequests: t.uint32('max_requests', 1024),
      maxRetries: t.uint32('max_retries', 3),
    };
    if (t.bool('track_remaining', false)) limits.trackRemaining = true;
    for (const f of ['retry_budget', 'max_connection_pools'])
      if (t.has(f)) t.error(f, `'${f}' is not supported`);
    t.finish();
    // HIGH thresholds apply to HIGH-priority routes, which are rejected, so they never apply;
    // kept for /clusters, which lists them as Envoy does.
    if (priority !== 'DEFAULT') {
      high = limits;
      continue;
    }
    if (seenDefault) t.error('priority', `more than one DEFAULT priority threshold`);
    seenDefault = true;
    Object.assign(out, limits);
  }
  if (cb.list('per_host_thresholds').length > 0)
    cb.error('per_host_thresholds', `'per_host_thresholds' is not supported`);
  cb.finish();
  if (high !== undefined) out.highPriority = high;
  return out;
}

function readOutlierDetection(r: MessageReader): OutlierDetectionConfig {
  const out: OutlierDetectionConfig = {
    consecutive5xx: r.uint32('consecutive_5xx', 5),
    consecutiveGatewayFailure: r.uint32('consecutive_gateway_failure', 5),
    consecutiveLocalOriginFailure: r.uint32('consecutive_local_origin_failure', 5),
    intervalMs: r.durationMs('interval') ?? 10_000,
    baseEjectionTimeMs: r.durationMs('base_ejection_time') ?? 30_000,
    maxEjectionTimeMs: 300_000,
    maxEjectionPercent: r.uint32('max_ejection_percent', 10, 0, 100),
    alwaysEjectOneHost: r.bool('always_eject_one_host', false),
    enforcingConsecutive5xx: r.uint32('enforcing_consecutive_5xx', 100, 0, 100),
    enforcingConsecutiveGatewayFailure: r.uint32('enforcing_consecutive_gateway_failure', 0, 0, 100),
    splitExternalLocalOriginErrors: r.bool('split_external_local_origin_errors', false),
    enforcingSuccessRate: r.uint32('enforcing_success_rate', 100, 0, 100),
    successRateMinimumHosts: r.uint32('success_rate_minimum_hosts', 5),
    successRateRequestVolume: r.uint32('success_rate_request_volume', 100),
    successRateStdevFactor: r.uint32('success_rate_stdev_factor', 1900),
  };
  if (out.intervalMs <= 0) r.error('interval', `'interval' must be greater than 0`);
  // Envoy: max_ejection_time defaults to 300 s or base_ejection_time, whichever is larger, and
  // may not be set below base_ejection_time.
  const maxEjection = r.durationMs('max_ejection_time');
  if (maxEjection !== undefined && maxEjection < out.baseEjectionTimeMs)
    r.error(
      'max_ejection_time',
      `outlier detector's max_ejection_time cannot be smaller than base_ejection_time`,
    );
  out.maxEjectionTimeMs = maxEjection ?? Math.max(300_000, out.baseEjectionTimeMs);
  // Failure-percentage and local-origin success-rate ejection are not implemented; only their
  // "off" settings are accepted.
  for (const f of [
    'enforcing_failure_percentage',
    'enforcing_local_origin_success_rate',
    'enforcing_failure_percentage_local_origin',
  ]) {
    if (r.has(f) && r.uint32(f, 0) !== 0)
      r.error(f, `'${f}' must be 0: success-rate and failure-percentage ejection are not supported`);
  }
  if (
    r.has('enforcing_consecutive_local_origin_failure') &&
    r.uint32('enforcing_consecutive_local_origin_failure', 100) !== 100
  ) {
    r.error('enforcing_consecutive_local_origin_failure', `only the default (100) is supported`);
  }
  r.finish();
  return out;
}

/** Upstream protocol and connection pool options: typed HttpProtocolOptions or the deprecated fields. */
function readProtocolOptions(r: MessageReader, out: ClusterConfig): void {
  const legacy = [
    'http_protocol_options',
    'http2_protocol_options',
    'common_http_protocol_options',
    'protocol_selection',
  ];
  const typedOptions = r.message('typed_extension_protocol_options');
  const usesLegacy = legacy.some((f) => r.has(f));
  if (typedOptions && usesLegacy) {
    r.error(
      'typed_extension_protocol_options',
      `cannot mix typed_extension_protocol_options with the deprecated protocol option fields`,
    );
  }
  if (r.message('http2_protocol_options')) out.upstreamProtocol = 'http2';
  r.message('http_protocol_options')?.finish();
  r.message('http2_protocol_options')?.finish();
  if (
    r.enumValue(
      'protocol_selection',
      ['USE_CONFIGURED_PROTOCOL', 'USE_DOWNSTREAM_PROTOCOL'],
      'USE_CONFIGURED_PROTOCOL',
    ) === 'USE_DOWNSTREAM_PROTOCOL'
  ) {
    out.upstreamProtocol = 'downstream';
  }
  const common = r.message('common_http_protocol_options');
  if (common) readCommonHttpOptions(common, out);
  const maxRequests = r.optionalUint32('max_requests_per_connection');
  if (maxRequests !== undefined) out.maxRequestsPerConnection = maxRequests;

  for (const key of typedOptions?.keys() ?? []) {
    const typed = readTypedConfig(typedOptions!, key);
    if (!typed) continue;
    if (
      typed.type !== HTTP_PROTOCOL_OPTIONS ||
      (key !== 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions' &&
        key !== 'envoy.upstreams.http.http_protocol_options')
    ) {
      typed.reader.ctx.add(
        typed.reader.path,
        `protocol options '${key}' of type '${typed.type}' are not supported`,
      );
      continue;
    }
    readHttpProtocolOptions(typed.reader, out);
  }
}

function readHttpProtocolOptions(r: MessageReader, out: ClusterConfig): void {
  const mode = r.oneof(
    ['explicit_http_config', 'use_downstream_protocol_config', 'auto_config'],
    'upstream_protocol_options',
  );
  const m = mode ? r.message(mode) : undefined;
  if (m && mode === 'explicit_http_config') {
    const which = m.oneof(
      ['http_protocol_options', 'http2_protocol_options', 'http3_protocol_options'],
      'protocol_config',
    );
    if (which === 'http3_protocol_options') m.error(which, `HTTP/3 upstreams are not supported`);
    out.upstreamProtocol = which === 'http2_protocol_options' ? 'http2' : 'http1';
    if (which) m.message(which)?.finish();
  } else if (m) {
    out.upstreamProtocol = mode === 'auto_config' ? 'auto' : 'downstream';
    if (m.has('http3_protocol_options'))
      m.error('http3_protocol_options', `HTTP/3 upstreams are not supported`);
    m.message('http_protocol_options')?.finish();
    m.message('http2_protocol_options')?.finish();
  }
  m?.finish();
  const common = r.message('common_http_protocol_options');
  if (common) readCommonHttpOptions(common, out);
  r.finish();
}

function readCommonHttpOptions(r: MessageReader, out: ClusterConfig): void {
  out.idleTimeoutMs = r.durationMs('idle_timeout') ?? CLUSTER_DEFAULTS.idleTimeoutMs;
  out.maxRequestsPerConnection = r.uint32('max_requests_per_connection', out.maxRequestsPerConnection);
  r.finish();
}

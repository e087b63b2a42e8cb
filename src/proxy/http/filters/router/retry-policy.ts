// Envoy's retry policy as the router applies it: retry_on conditions as a bit set (compiled once
// per RetryPolicyConfig), the x-envoy-* request headers that override the route's policy and
// timeouts for trusted (internal) requests, and the decision "is this outcome retriable".
import { isIP } from 'node:net';
import type { RetryPolicyConfig } from '../../../config/index.ts';
import type { HeaderMap, HeaderSource } from '../../../headers/index.ts';

export const RetryOn = {
  x5xx: 1 << 0,
  gatewayError: 1 << 1,
  reset: 1 << 2,
  connectFailure: 1 << 3,
  retriable4xx: 1 << 4,
  refusedStream: 1 << 5,
  retriableStatusCodes: 1 << 6,
  envoyRatelimited: 1 << 7,
  resetBeforeRequest: 1 << 8,
  grpcCancelled: 1 << 9,
  grpcDeadlineExceeded: 1 << 10,
  grpcInternal: 1 << 11,
  grpcResourceExhausted: 1 << 12,
  grpcUnavailable: 1 << 13,
} as const;

const BY_NAME: Record<string, number> = {
  '5xx': RetryOn.x5xx,
  'gateway-error': RetryOn.gatewayError,
  reset: RetryOn.reset,
  'connect-failure': RetryOn.connectFailure,
  'retriable-4xx': RetryOn.retriable4xx,
  'refused-stream': RetryOn.refusedStream,
  'retriable-status-codes': RetryOn.retriableStatusCodes,
  'envoy-ratelimited': RetryOn.envoyRatelimited,
  'reset-before-request': RetryOn.resetBeforeRequest,
  cancelled: RetryOn.grpcCancelled,
  'deadline-exceeded': RetryOn.grpcDeadlineExceeded,
  internal: RetryOn.grpcInternal,
  'resource-exhausted': RetryOn.grpcResourceExhausted,
  unavailable: RetryOn.grpcUnavailable,
};

/** gRPC status code → the retry_on bit that covers it. */
const GRPC_BITS: Record<string, number> = {
  '1': RetryOn.grpcCancelled,
  '4': RetryOn.grpcDeadlineExceeded,
  '8': RetryOn.grpcResourceExhausted,
  '13': RetryOn.grpcInternal,
  '14': RetryOn.grpcUnavailable,
};

/** Conditions under which an upstream that never answered (reset, timeout) is retried. */
const ON_RESET = RetryOn.x5xx | RetryOn.gatewayError | RetryOn.reset;
/** … and a connection that could not be made. */
const ON_CONNECT = ON_RESET | RetryOn.connectFailure | RetryOn.resetBeforeRequest;

/** Parses 'a,b,c' (unknown names are ignored, as Envoy does for the request header). */
export function parseRetryOn(list: readonly string[] | string): number {
  let bits = 0;
  const items = typeof list === 'string' ? list.split(',') : list;
  for (const item of items) bits |= BY_NAME[item.trim()] ?? 0;
  return bits;
}

export interface CompiledRetryPolicy {
  readonly retryOn: number;
  readonly numRetries: number;
  readonly perTryTimeoutMs: number;
  readonly statusCodes: readonly number[];
  readonly baseMs: number;
  readonly maxMs: number;
  readonly otherHost: boolean;
  /** host_selection_retry_max_attempts: picks more when a pick lands on a host to avoid. */
  readonly hostSelectionAttempts: number;
}

const compiled = new WeakMap<RetryPolicyConfig, CompiledRetryPolicy>();

/** Compiled once per policy object (config objects are immutable, so the cache is config-time work). */
export function compileRetryPolicy(cfg: RetryPolicyConfig): CompiledRetryPolicy {
  let c = compiled.get(cfg);
  if (c === undefined) {
    c = {
      retryOn: parseRetryOn(cfg.retryOn),
      numRetries: cfg.numRetries,
      perTryTimeoutMs: cfg.perTryTimeoutMs ?? 0,
      statusCodes: cfg.retriableStatusCodes,
      baseMs: cfg.backoffBaseMs,
      maxMs: cfg.backoffMaxMs,
      otherHost: cfg.retryOtherHost,
      hostSelectionAttempts: cfg.hostSelectionRetryMaxAttempts,
    };
    compiled.set(cfg, c);
  }
  return c;
}

const NO_POLICY: CompiledRetryPolicy = {
  retryOn: 0,
  numRetries: 1,
  perTryTimeoutMs: 0,
  statusCodes: [],
  baseMs: 25,
  maxMs: 250,
  otherHost: false,
  hostSelectionAttempts: 1,
};

/**
 * Whether the x-envoy-* control headers are trusted. Envoy's connection manager strips them from
 * external requests at the edge (use_remote_address with a non-internal peer), so the router only
 * sees them on internal ones; with use_remote_address off the proxy is not the edge and keeps them.
 */
export function honoursEnvoyHeaders(useRemoteAddress: boolean, peerIp: string): boolean {
  if (!useRemoteAddress) return true;
  // Asked per request at an edge (use_remote_address), where requests come mostly from few
  // peers in a row, each of a connection whose address string is the same object every time.
  if (peerIp !== lastPeer) {
    lastPeer = peerIp;
    lastPeerInternal = isInternalAddress(peerIp);
  }
  return lastPeerInternal;
}

let lastPeer = '';
let lastPeerInternal = false;

/** RFC 1918, loopback and IPv6 unique-local/loopback addresses, as Envoy's default internal test. */
export function isInternalAddress(ip: string): boolean {
  const v = isIP(ip);
  if (v === 4) {
    if (ip.startsWith('10.') || ip.startsWith('127.') || ip.startsWith('192.168.')) return true;
    if (ip.startsWith('172.')) {
      const second = Number(ip.split('.')[1]);
      return second >= 16 && second <= 31;
    }
    return false;
  }
  if (v === 6) {
    const lower = ip.toLowerCase();
    if (lower === '::1') return true;
    if (lower.startsWith('::ffff:')) return isInternalAddress(lower.slice(7));
    return lower.startsWith('fc') || lower.startsWith('fd');
  }
  return false;
}

function headerMs(headers: HeaderMap, name: string): number | undefined {
  const v = headers.get(name);
  if (v === undefined) return undefined;
  headers.remove(name);
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * The router's control headers that Envoy sanitizes from an external request (its "HTTP header
 * sanitizing" list), so an outside client cannot set them for the hops behind this one.
 */
const EXTERNAL_SANITIZED = new Set([
  'x-envoy-expected-rq-timeout-ms',
  'x-envoy-max-retries',
  'x-envoy-retry-grpc-on',
  'x-envoy-retry-on',
  'x-envoy-upstream-alt-stat-name',
  'x-envoy-upstream-rq-per-try-timeout-ms',
  'x-envoy-upstream-rq-timeout-alt-response',
  'x-envoy-upstream-rq-timeout-ms',
  'x-envoy-upstream-stream-duration-ms',
]);

/** Whether `name` is an x-envoy-* field (more than the prefix). */
function isEnvoyName(name: string): boolean {
  // 'x' and the '-' after 'envoy' first: almost every name fails there, without a builtin call.
  return (
    name.length > 8 && name.charCodeAt(0) === 120 && name.charCodeAt(7) === 45 && name.startsWith('x-envoy-')
  );
}

function hasEnvoyField(headers: HeaderMap): boolean {
  const names = headers.names;
  for (let i = 0; i < names.length; i++) if (isEnvoyName(names[i]!)) return true;
  return false;
}

/** Removes EXTERNAL_SANITIZED fields; one pass over the names, a set lookup only for x-envoy-*. */
function removeExternalControls(headers: HeaderMap): void {
  const names = headers.names;
  let found: string[] | undefined;
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!;
    if (isEnvoyName(n) && EXTERNAL_SANITIZED.has(n)) (found ??= []).push(n);
  }
  if (found) for (const n of found) headers.remove(n);
}

/** What the router enforces for one request: the global timeout and the effective retry policy. */
export interface UpstreamControls {
  timeoutMs: number;
  /** undefined: no retry policy and no per-try timeout (the common case allocates nothing more). */
  policy: CompiledRetryPolicy | undefined;
}

/**
 * The route's timeout and retry policy with the request's x-envoy-upstream-rq-timeout-ms,
 * x-envoy-upstream-rq-per-try-timeout-ms, x-envoy-retry-on, x-envoy-retry-grpc-on,
 * x-envoy-max-retries and x-envoy-retriable-status-codes applied (when trusted). The headers are
 * consumed: they control this hop only.
 */
export function upstreamControls(
  routeTimeoutMs: number,
  routePolicy: RetryPolicyConfig | undefined,
  headers: HeaderMap,
  trusted: boolean,
  out: UpstreamControls,
): void {
  out.timeoutMs = routeTimeoutMs;
  let policy = routePolicy === undefined ? undefined : compileRetryPolicy(routePolicy);
  out.policy = policy;
  // Most requests carry no x-envoy-* field: one pass over the names instead of a lookup per control.
  if (!hasEnvoyField(headers)) return;
  if (!trusted) {
    removeExternalControls(headers);
    return;
  }
  const timeout = headerMs(headers, 'x-envoy-upstream-rq-timeout-ms');
  if (timeout !== undefined) out.timeoutMs = timeout;
  const perTry = headerMs(headers, 'x-envoy-upstream-rq-per-try-timeout-ms');
  const on = headers.get('x-envoy-retry-on');
  const grpcOn = headers.get('x-envoy-retry-grpc-on');
  const max = headerMs(headers, 'x-envoy-max-retries');
  const codes = headers.get('x-envoy-retriable-status-codes');
  if (
    perTry === undefined &&
    on === undefined &&
    grpcOn === undefined &&
    max === undefined &&
    codes === undefined
  )
    return;
  if (on !== undefined) headers.remove('x-envoy-retry-on');
  if (grpcOn !== undefined) headers.remove('x-envoy-retry-grpc-on');
  if (codes !== undefined) headers.remove('x-envoy-retriable-status-codes');
  // Header conditions add to the route's; the header's count replaces the route's. The header's
  // status codes add to the route's, honoured (as in Envoy) only under retriable-status-codes.
  const base = policy ?? NO_POLICY;
  policy = {
    ...base,
    retryOn: base.retryOn | (on ? parseRetryOn(on) : 0) | (grpcOn ? parseRetryOn(grpcOn) : 0),
    numRetries: max ?? base.numRetries,
    perTryTimeoutMs: perTry ?? base.perTryTimeoutMs,
    statusCodes: codes === undefined ? base.statusCodes : [...base.statusCodes, ...statusCodeList(codes)],
  };
  out.policy = policy;
}

/** A comma-separated list of status codes: each entry that is an unsigned integer, as Envoy parses it. */
function statusCodeList(value: string): number[] {
  const out: number[] = [];
  for (const part of value.split(',')) {
    const t = part.trim();
    if (/^\d{1,9}$/.test(t)) out.push(Number(t));
  }
  return out;
}

/**
 * Whether `retryOn` covers a response with this status and headers. As in Envoy, a response an
 * upstream Envoy shed (x-envoy-overloaded: its circuit breaker or maintenance mode) is never retried
 * — a retry would only add load where there is none to spare — and a rate-limited one
 * (x-envoy-ratelimited) only under envoy-ratelimited.
 */
export function retriableResponse(p: CompiledRetryPolicy, status: number, source: HeaderSource): boolean {
  if (!coveredResponse(p, status, source)) return false;
  const headers = source.headers;
  if (headers.has('x-envoy-overloaded')) return false;
  if (headers.has('x-envoy-ratelimited')) return (p.retryOn & RetryOn.envoyRatelimited) !== 0;
  return true;
}

function coveredResponse(p: CompiledRetryPolicy, status: number, source: HeaderSource): boolean {
  const on = p.retryOn;
  if (on & RetryOn.x5xx && status >= 500) return true;
  if (on & RetryOn.gatewayError && status >= 502 && status <= 504) return true;
  if (on & RetryOn.retriable4xx && status === 409) return true;
  if (on & RetryOn.retriableStatusCodes && p.statusCodes.includes(status)) return true;
  if (on & RetryOn.envoyRatelimited && source.headers.has('x-envoy-ratelimited')) return true;
  // Istio's default policy has gRPC conditions, so this runs for every response: a head that
  // knows it has no grpc-status is not turned into a HeaderMap to find out.
  if (on >= RetryOn.grpcCancelled && source.mayHaveGrpcStatus !== false) {
    // Only a trailers-only gRPC response carries grpc-status in its headers.
    const g = source.headers.get('grpc-status');
    if (g !== undefined && on & (GRPC_BITS[g] ?? 0)) return true;
  }
  return false;
}

export type AttemptFailure = 'connect' | 'reset' | 'timeout';

/** Whether `retryOn` covers an attempt that got no response. */
export function retriableFailure(p: CompiledRetryPolicy, kind: AttemptFailure): boolean {
  return (p.retryOn & (kind === 'connect' ? ON_CONNECT : ON_RESET)) !== 0;
}

/**
 * Envoy's fully jittered exponential back-off: retry N waits a random time in
 * [0, (2^N - 1) × base), the upper bound capped at max_interval.
 */
export function backoffMs(p: CompiledRetryPolicy, retryNumber: number, random: number): number {
  const ceiling = Math.min((2 ** Math.min(retryNumber, 30) - 1) * p.baseMs, p.maxMs);
  return Math.floor(random * ceiling);
}

// A cluster's stats under 'cluster.<name>.', with Envoy's names, bound once when the cluster is
// built. Response code counters are created on first use of each code and then kept in an array,
// so counting a response is an array read and two increments.

import type { Counter, Gauge, Histogram, StatsScope } from '../observe/index.ts';

export class ClusterStats {
  readonly scope: StatsScope;
  readonly upstreamCxTotal: Counter;
  readonly upstreamCxActive: Gauge;
  readonly upstreamCxHttp1Total: Counter;
  readonly upstreamCxConnectFail: Counter;
  readonly upstreamCxConnectTimeout: Counter;
  readonly upstreamCxDestroy: Counter;
  readonly upstreamCxOverflow: Counter;
  readonly upstreamCxMaxRequests: Counter;
  readonly upstreamCxIdleTimeout: Counter;
  readonly upstreamCxConnectMs: Histogram;
  readonly upstreamCxLengthMs: Histogram;
  readonly upstreamCxRxBytesTotal: Counter;
  readonly upstreamCxTxBytesTotal: Counter;
  readonly upstreamRqTotal: Counter;
  readonly upstreamRqActive: Gauge;
  readonly upstreamRqCompleted: Counter;
  readonly upstreamRqPendingTotal: Counter;
  readonly upstreamRqPendingActive: Gauge;
  readonly upstreamRqPendingOverflow: Counter;
  readonly upstreamRqPendingFailureEject: Counter;
  readonly upstreamRqCancelled: Counter;
  /** Requests reset by the proxy itself (a shadow abandoned past its buffer limit). */
  readonly upstreamRqTxReset: Counter;
  readonly upstreamRqTimeout: Counter;
  readonly upstreamRqPerTryTimeout: Counter;
  readonly upstreamRqRetry: Counter;
  readonly upstreamRqRetrySuccess: Counter;
  readonly upstreamRqRetryOverflow: Counter;
  readonly upstreamRqRetryLimitExceeded: Counter;
  readonly upstreamRqRetryBackoffExponential: Counter;
  readonly upstreamRqTime: Histogram;
  readonly membershipHealthy: Gauge;
  readonly membershipDegraded: Gauge;
  readonly membershipTotal: Gauge;
  readonly lbHealthyPanic: Counter;
  readonly upstreamCxNoneHealthy: Counter;
  /** tcp_proxy connections given up after max_connect_attempts failed connects. */
  readonly upstreamCxConnectAttemptsExceeded: Counter;
  /** circuit_breakers.default.*_open gauges (1 while the resource is at its threshold). */
  readonly cxOpen: Gauge;
  readonly rqPendingOpen: Gauge;
  readonly rqOpen: Gauge;
  readonly rqRetryOpen: Gauge;
  private readonly byCode: (Counter | undefined)[] = [];
  private readonly byClass: Counter[];

  constructor(scope: StatsScope) {
    this.scope = scope;
    this.upstreamCxTotal = scope.counter('upstream_cx_total');
    this.upstreamCxActive = scope.gauge('upstream_cx_active');
    this.upstreamCxHttp1Total = scope.counter('upstream_cx_http1_total');
    this.upstreamCxConnectFail = scope.counter('upstream_cx_connect_fail');
    this.upstreamCxConnectTimeout = scope.counter('upstream_cx_connect_timeout');
    this.upstreamCxDestroy = scope.counter('upstream_cx_destroy');
    this.upstreamCxOverflow = scope.counter('upstream_cx_overflow');
    this.upstreamCxMaxRequests = scope.counter('upstream_cx_max_requests');
    this.upstreamCxIdleTimeout = scope.counter('upstream_cx_idle_timeout');
    this.upstreamCxConnectMs = scope.histogram('upstream_cx_connect_ms');
    this.upstreamCxLengthMs = scope.histogram('upstream_cx_length_ms');
    this.upstreamCxRxBytesTotal = scope.counter('upstream_cx_rx_bytes_total');
    this.upstreamCxTxBytesTotal = scope.counter('upstream_cx_tx_bytes_total');
    this.upstreamRqTotal = scope.counter('upstream_rq_total');
    this.upstreamRqActive = scope.gauge('upstream_rq_active');
    this.upstreamRqCompleted = scope.counter('upstream_rq_completed');
    this.upstreamRqPendingTotal = scope.counter('upstream_rq_pending_total');
    this.upstreamRqPendingActive = scope.gauge('upstream_rq_pending_active');
    this.upstreamRqPendingOverflow = scope.counter('upstream_rq_pending_overflow');
    this.upstreamRqPendingFailureEject = scope.counter('upstream_rq_pending_failure_eject');
    this.upstreamRqCancelled = scope.counter('upstream_rq_cancelled');
    this.upstreamRqTxReset = scope.counter('upstream_rq_tx_reset');
    this.upstreamRqTimeout = scope.counter('upstream_rq_timeout');
    this.upstreamRqPerTryTimeout = scope.counter('upstream_rq_per_try_timeout');
    this.upstreamRqRetry = scope.counter('upstream_rq_retry');
    this.upstreamRqRetrySuccess = scope.counter('upstream_rq_retry_success');
    this.upstreamRqRetryOverflow = scope.counter('upstream_rq_retry_overflow');
    this.upstreamRqRetryLimitExceeded = scope.counter('upstream_rq_retry_limit_exceeded');
    this.upstreamRqRetryBackoffExponential = scope.counter('upstream_rq_retry_backoff_exponential');
    this.upstreamRqTime = scope.histogram('upstream_rq_time');
    this.membershipHealthy = scope.gauge('membership_healthy');
    this.membershipDegraded = scope.gauge('membership_degraded');
    this.membershipTotal = scope.gauge('membership_total');
    this.lbHealthyPanic = scope.counter('lb_healthy_panic');
    this.upstreamCxNoneHealthy = scope.counter('upstream_cx_none_healthy');
    this.upstreamCxConnectAttemptsExceeded = scope.counter('upstream_cx_connect_attempts_exceeded');
    const cb = scope.scope('circuit_breakers.default.');
    this.cxOpen = cb.gauge('cx_open');
    this.rqPendingOpen = cb.gauge('rq_pending_open');
    this.rqOpen = cb.gauge('rq_open');
    this.rqRetryOpen = cb.gauge('rq_retry_open');
    this.byClass = [1, 2, 3, 4, 5].map((c) => scope.counter(`upstream_rq_${c}xx`));
  }

  /**
   * circuit_breakers.default.remaining_<name> (remaining_cx, remaining_pending, remaining_rq,
   * remaining_retries): Envoy publishes them only with track_remaining, so they are made on demand.
   */
  remaining(name: string): Gauge {
    return this.scope.scope('circuit_breakers.default.').gauge(`remaining_${name}`);
  }

  /** Counts a response from upstream: upstream_rq_<code> and upstream_rq_<N>xx. */
  recordResponse(code: number): void {
    const cls = (code / 100) | 0;
    if (cls < 1 || cls > 5) return;
    let c = this.byCode[code];
    if (c === undefined) c = this.byCode[code] = this.scope.counter(`upstream_rq_${code}`);
    c.inc();
    this.byClass[cls - 1]!.inc();
  }
}

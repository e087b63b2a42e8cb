// Envoy's circuit breakers for one cluster (default priority): counts of resources in use with
// their configured maxima. Acquire fails at the threshold and counts the overflow under Envoy's
// stat for that resource; the *_open gauges show which breaker is tripped.

import type { CircuitBreakerThresholds } from '../config/index.ts';
import type { Counter, Gauge } from '../observe/index.ts';
import type { ClusterStats } from './cluster-stats.ts';
import type { CircuitBreakers, ResourceKind } from './types.ts';

interface Resource {
  inUse: number;
  max: number;
  overflow: Counter;
  open: Gauge;
  /** remaining_<name>, with track_remaining: how many more fit (max − in use, at least 0). */
  remainingName: string;
  remaining: Gauge | undefined;
}

export class ClusterCircuitBreakers implements CircuitBreakers {
  private readonly connections: Resource;
  private readonly pending: Resource;
  private readonly requests: Resource;
  private readonly retries: Resource;

  constructor(thresholds: CircuitBreakerThresholds, stats: ClusterStats) {
    this.connections = {
      inUse: 0,
      max: thresholds.maxConnections,
      overflow: stats.upstreamCxOverflow,
      open: stats.cxOpen,
      remainingName: 'cx',
      remaining: undefined,
    };
    this.pending = {
      inUse: 0,
      max: thresholds.maxPendingRequests,
      overflow: stats.upstreamRqPendingOverflow,
      open: stats.rqPendingOpen,
      remainingName: 'pending',
      remaining: undefined,
    };
    // Envoy counts max_requests overflow as upstream_rq_pending_overflow too.
    this.requests = {
      inUse: 0,
      max: thresholds.maxRequests,
      overflow: stats.upstreamRqPendingOverflow,
      open: stats.rqOpen,
      remainingName: 'rq',
      remaining: undefined,
    };
    this.retries = {
      inUse: 0,
      max: thresholds.maxRetries,
      overflow: stats.upstreamRqRetryOverflow,
      open: stats.rqRetryOpen,
      remainingName: 'retries',
      remaining: undefined,
    };
    this.stats = stats;
    this.track(thresholds.trackRemaining === true);
  }

  private readonly stats: ClusterStats;

  /** Starts (or stops) publishing the remaining_* gauges. */
  private track(on: boolean): void {
    for (const r of [this.connections, this.pending, this.requests, this.retries]) {
      r.remaining = on ? (r.remaining ?? this.stats.remaining(r.remainingName)) : undefined;
      this.refreshOpen(r);
    }
  }

  /** New thresholds from a config update; counts in use carry over. */
  setThresholds(t: CircuitBreakerThresholds): void {
    this.connections.max = t.maxConnections;
    this.pending.max = t.maxPendingRequests;
    this.requests.max = t.maxRequests;
    this.retries.max = t.maxRetries;
    this.track(t.trackRemaining === true);
  }

  private resource(kind: ResourceKind): Resource {
    switch (kind) {
      case 'connections':
        return this.connections;
      case 'pending_requests':
        return this.pending;
      case 'requests':
        return this.requests;
      case 'retries':
        return this.retries;
    }
  }

  private refreshOpen(r: Resource): void {
    const open = r.inUse >= r.max ? 1 : 0;
    if (r.open.value !== open) r.open.set(open);
    if (r.remaining !== undefined) r.remaining.set(Math.max(0, r.max - r.inUse));
  }

  tryAcquire(kind: ResourceKind): boolean {
    const r = this.resource(kind);
    if (r.inUse >= r.max) {
      r.overflow.inc();
      return false;
    }
    r.inUse++;
    this.refreshOpen(r);
    return true;
  }

  /**
   * Takes one more past the threshold (after a tryAcquire that failed and counted the overflow):
   * Envoy still gives a host with no connection one, so the count may exceed the maximum.
   */
  acquireOver(kind: ResourceKind): void {
    const r = this.resource(kind);
    r.inUse++;
    this.refreshOpen(r);
  }

  /** Whether one more would fit, without taking it or counting an overflow. */
  canAcquire(kind: ResourceKind): boolean {
    const r = this.resource(kind);
    return r.inUse < r.max;
  }

  release(kind: ResourceKind): void {
    const r = this.resource(kind);
    if (r.inUse > 0) r.inUse--;
    this.refreshOpen(r);
  }

  inUse(kind: ResourceKind): number {
    return this.resource(kind).inUse;
  }

  max(kind: ResourceKind): number {
    return this.resource(kind).max;
  }
}

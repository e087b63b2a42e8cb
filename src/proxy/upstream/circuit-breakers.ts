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
    };
    this.pending = {
      inUse: 0,
      max: thresholds.maxPendingRequests,
      overflow: stats.upstreamRqPendingOverflow,
      open: stats.rqPendingOpen,
    };
    // Envoy counts max_requests overflow as upstream_rq_pending_overflow too.
    this.requests = {
      inUse: 0,
      max: thresholds.maxRequests,
      overflow: stats.upstreamRqPendingOverflow,
      open: stats.rqOpen,
    };
    this.retries = {
      inUse: 0,
      max: thresholds.maxRetries,
      overflow: stats.upstreamRqRetryOverflow,
      open: stats.rqRetryOpen,
    };
  }

  /** New thresholds from a config update; counts in use carry over. */
  setThresholds(t: CircuitBreakerThresholds): void {
    this.connections.max = t.maxConnections;
    this.pending.max = t.maxPendingRequests;
    this.requests.max = t.maxRequests;
    this.retries.max = t.maxRetries;
    for (const r of [this.connections, this.pending, this.requests, this.retries]) this.refreshOpen(r);
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

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatsStore } from '../observe/index.ts';
import { ClusterCircuitBreakers } from './circuit-breakers.ts';
import { ClusterStats } from './cluster-stats.ts';

const limits = { maxConnections: 2, maxPendingRequests: 1, maxRequests: 3, maxRetries: 1 };

function gauge(store: StatsStore, name: string): number | undefined {
  return store.gauges().find((g) => g.name === `cluster.c.circuit_breakers.default.${name}`)?.value;
}

test('track_remaining publishes remaining_* gauges that follow what is in use', () => {
  const store = new StatsStore();
  const cb = new ClusterCircuitBreakers(
    { ...limits, trackRemaining: true },
    new ClusterStats(store.scope('cluster.c.')),
  );
  assert.deepEqual(
    ['remaining_cx', 'remaining_pending', 'remaining_rq', 'remaining_retries'].map((n) => gauge(store, n)),
    [2, 1, 3, 1],
  );
  assert.equal(cb.tryAcquire('connections'), true);
  assert.equal(gauge(store, 'remaining_cx'), 1);
  assert.equal(cb.tryAcquire('connections'), true);
  assert.equal(gauge(store, 'remaining_cx'), 0);
  assert.equal(gauge(store, 'cx_open'), 1);
  // Over the threshold (a host with no connection still gets one): remaining stays at 0.
  cb.acquireOver('connections');
  assert.equal(gauge(store, 'remaining_cx'), 0);
  cb.release('connections');
  cb.release('connections');
  assert.equal(gauge(store, 'remaining_cx'), 1);
  // New thresholds move it at once.
  cb.setThresholds({ ...limits, maxConnections: 10, trackRemaining: true });
  assert.equal(gauge(store, 'remaining_cx'), 9);
});

test('without track_remaining there are no remaining_* gauges (as Envoy)', () => {
  const store = new StatsStore();
  const cb = new ClusterCircuitBreakers(limits, new ClusterStats(store.scope('cluster.c.')));
  cb.tryAcquire('requests');
  assert.equal(gauge(store, 'remaining_rq'), undefined);
  assert.equal(gauge(store, 'rq_open'), 0);
});

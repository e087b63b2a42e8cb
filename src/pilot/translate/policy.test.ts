import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrafficPolicy } from '../../api/types/index.ts';
import { mergedPolicy } from './policy.ts';

const rule: TrafficPolicy = {
  connectionPool: { tcp: { maxConnections: 1 } },
  loadBalancer: { simple: 'RANDOM' },
  outlierDetection: { consecutive5xxErrors: 1 },
  portLevelSettings: [{ port: { number: 9080 }, loadBalancer: { simple: 'ROUND_ROBIN' } }],
};

test('a port-level entry replaces the rule-level groups it leaves out with defaults (Istio docs)', () => {
  assert.deepEqual(mergedPolicy(rule, undefined, 9080), { loadBalancer: { simple: 'ROUND_ROBIN' } });
  const { portLevelSettings: _, ...rest } = rule;
  assert.deepEqual(mergedPolicy(rule, undefined, 8080), rest);
});

test('a subset overrides the groups it sets and keeps the rule’s others', () => {
  const merged = mergedPolicy(rule, { loadBalancer: { simple: 'LEAST_REQUEST' } }, 8080);
  assert.deepEqual(merged.loadBalancer, { simple: 'LEAST_REQUEST' });
  assert.deepEqual(merged.connectionPool, rule.connectionPool);
  assert.deepEqual(merged.outlierDetection, rule.outlierDetection);
});

test('a subset’s port-level entry replaces all four groups, set or not', () => {
  const subset: TrafficPolicy = {
    portLevelSettings: [{ port: { number: 8080 }, connectionPool: { tcp: { maxConnections: 9 } } }],
  };
  assert.deepEqual(mergedPolicy(rule, subset, 8080), { connectionPool: { tcp: { maxConnections: 9 } } });
});

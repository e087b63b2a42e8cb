// Cluster translation, simulated through the proxy's own decoder: the panic threshold Istio's
// applyOutlierDetection sets from outlierDetection.minHealthPercent.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { ClusterConfig } from '../../proxy/config/index.ts';
import { loadWith, SAMPLES, sidecar, simulate } from '../simulate/fixtures.ts';

const skip = existsSync(SAMPLES) ? false : 'Istio samples (../shared/istio) not present';
const CLUSTER = 'outbound|8000||httpbin.default.svc.cluster.local';
const SUBSET = 'outbound|8000|v1|httpbin.default.svc.cluster.local';

function clustersFor(trafficPolicy: string): Map<string, ClusterConfig> {
  const yaml = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin}
spec:
  host: httpbin
  trafficPolicy: ${trafficPolicy}
  subsets:
  - name: v1
    labels: {version: v1}
`;
  return simulate(loadWith(['httpbin/httpbin.yaml'], yaml), sidecar({ app: 'fortio' })).clusters;
}

describe('healthy panic threshold, simulated', { skip }, () => {
  test('outlierDetection without minHealthPercent turns panic mode off (threshold 0), subsets too', () => {
    const clusters = clustersFor('{outlierDetection: {consecutive5xxErrors: 3}}');
    assert.equal(clusters.get(CLUSTER)?.healthyPanicThreshold, 0);
    assert.equal(clusters.get(SUBSET)?.healthyPanicThreshold, 0);
  });

  test('minHealthPercent becomes the threshold', () => {
    const clusters = clustersFor('{outlierDetection: {consecutive5xxErrors: 3, minHealthPercent: 40}}');
    assert.equal(clusters.get(CLUSTER)?.healthyPanicThreshold, 40);
  });

  test("without outlierDetection nothing is set: Envoy's default 50", () => {
    const clusters = clustersFor('{connectionPool: {tcp: {maxConnections: 1}}}');
    assert.equal(clusters.get(CLUSTER)?.outlierDetection, undefined);
    assert.equal(clusters.get(CLUSTER)?.healthyPanicThreshold, 50);
  });

  test("Istio's circuit-breaking task rule: maxEjectionPercent 100, no panic", () => {
    const clusters = clustersFor(`
    connectionPool:
      tcp: {maxConnections: 1}
      http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}
    outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 3m, maxEjectionPercent: 100}`);
    const c = clusters.get(CLUSTER);
    assert.equal(c?.outlierDetection?.maxEjectionPercent, 100);
    assert.equal(c?.outlierDetection?.consecutive5xx, 1);
    assert.equal(c?.outlierDetection?.baseEjectionTimeMs, 180_000);
    assert.equal(c?.healthyPanicThreshold, 0);
  });
});

// DestinationRule outlierDetection → the cluster's outlier_detection, simulated through the proxy's
// own cluster decoder, field by field as Istio's applyOutlierDetection maps them.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseYaml, validateDocuments } from '../../api/index.ts';
import { toInput } from '../../config/index.ts';
import type { OutlierDetectionConfig } from '../../proxy/config/index.ts';
import { loadSamples, SAMPLES, sidecar, simulate } from './fixtures.ts';

const skip = existsSync(SAMPLES) ? false : 'Istio samples (../shared/istio) not present';
const CLUSTER = 'outbound|8000||httpbin.default.svc.cluster.local';

function outlierOf(od: string): OutlierDetectionConfig | undefined {
  const store = loadSamples(['httpbin/httpbin.yaml']);
  const yaml = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin}
spec:
  host: httpbin
  trafficPolicy:
    outlierDetection: ${od}
`;
  const { docs } = parseYaml(yaml, 'dr.yaml');
  assert.deepEqual(
    validateDocuments(docs).filter((i) => i.severity === 'error'),
    [],
  );
  store.update(docs.map(toInput));
  return simulate(store, sidecar({ app: 'fortio' })).clusters.get(CLUSTER)?.outlierDetection;
}

describe('outlier detection, simulated', { skip }, () => {
  test('consecutiveGatewayErrors alone leaves 5xx ejection at Envoy defaults', () => {
    const od = outlierOf('{consecutiveGatewayErrors: 3, interval: 1s}');
    assert.equal(od?.consecutiveGatewayFailure, 3);
    assert.equal(od?.enforcingConsecutiveGatewayFailure, 100);
    assert.equal(od?.consecutive5xx, 5, "Envoy's default");
    assert.equal(od?.enforcingConsecutive5xx, 100, 'Istio does not switch 5xx ejection off');
  });

  test('the deprecated consecutiveErrors counts gateway errors only', () => {
    const od = outlierOf('{consecutiveErrors: 2}');
    assert.equal(od?.consecutiveGatewayFailure, 2);
    assert.equal(od?.enforcingConsecutiveGatewayFailure, 100);
    assert.equal(od?.enforcingConsecutive5xx, 0);
    const both = outlierOf('{consecutiveErrors: 2, consecutive5xxErrors: 7}');
    assert.equal(both?.consecutive5xx, 7);
    assert.equal(both?.enforcingConsecutive5xx, 100, 'consecutive5xxErrors overrides');
  });

  test('consecutive5xxErrors: 0 disables 5xx ejection; maxEjectionPercent 0 keeps the default', () => {
    const od = outlierOf(
      '{consecutive5xxErrors: 0, maxEjectionPercent: 0, splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailures: 4}',
    );
    assert.equal(od?.enforcingConsecutive5xx, 0);
    assert.equal(od?.maxEjectionPercent, 10, "Envoy's default");
    assert.equal(od?.splitExternalLocalOriginErrors, true);
    assert.equal(od?.consecutiveLocalOriginFailure, 4);
  });
});

// VirtualService retries → Envoy retry_policy, simulated through the proxy's route decoder, as
// Istio's retry.ConvertPolicy builds it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseYaml, validateDocuments } from '../../api/index.ts';
import { toInput } from '../../config/index.ts';
import type { RetryPolicyConfig } from '../../proxy/config/index.ts';
import { loadSamples, SAMPLES, sidecar, simulate } from './fixtures.ts';

const skip = existsSync(SAMPLES) ? false : 'Istio samples (../shared/istio) not present';
const DEFAULT_ON = [
  'connect-failure',
  'refused-stream',
  'unavailable',
  'cancelled',
  'retriable-status-codes',
];

function retryOf(retries: string | undefined): RetryPolicyConfig | undefined {
  const store = loadSamples(['bookinfo/platform/kube/bookinfo.yaml']);
  if (retries !== undefined) {
    const { docs } = parseYaml(
      `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings}
spec:
  hosts: [ratings]
  http:
  - route: [{destination: {host: ratings}}]
    retries: ${retries}
`,
      'vs.yaml',
    );
    assert.deepEqual(
      validateDocuments(docs).filter((i) => i.severity === 'error'),
      [],
    );
    store.update(docs.map(toInput));
  }
  const sim = simulate(store, sidecar({ app: 'reviews' }));
  return sim.request({ routeConfig: 'http_proxy', authority: 'ratings:9080', path: '/' }).retryPolicy;
}

describe('retries, simulated', { skip }, () => {
  test("no retries: Istio's default conditions and 503", () => {
    const r = retryOf(undefined);
    assert.deepEqual(r?.retryOn, DEFAULT_ON);
    assert.deepEqual(r?.retriableStatusCodes, [503]);
    assert.equal(r?.numRetries, 2);
  });

  test('retriable-status-codes without codes retries no status (no implicit 503)', () => {
    const r = retryOf('{attempts: 3, retryOn: "gateway-error,retriable-status-codes"}');
    assert.deepEqual(r?.retryOn, ['gateway-error', 'retriable-status-codes']);
    assert.deepEqual(r?.retriableStatusCodes, []);
  });

  test('codes in retryOn imply retriable-status-codes; only those codes', () => {
    const r = retryOf('{attempts: 3, retryOn: "5xx,429"}');
    assert.deepEqual(r?.retryOn, ['5xx', 'retriable-status-codes']);
    assert.deepEqual(r?.retriableStatusCodes, [429]);
  });

  test("an empty retryOn keeps Istio's default conditions and 503; attempts: 0 disables retries", () => {
    const r = retryOf('{attempts: 4, retryOn: ""}');
    assert.deepEqual(r?.retryOn, DEFAULT_ON);
    assert.deepEqual(r?.retriableStatusCodes, [503]);
    assert.equal(r?.numRetries, 4);
    assert.equal(retryOf('{attempts: 0}'), undefined);
  });

  test('retryIgnorePreviousHosts: false keeps retries on any host', () => {
    assert.equal(retryOf('{attempts: 1, retryIgnorePreviousHosts: false}')?.retryOtherHost, false);
    assert.equal(retryOf('{attempts: 1}')?.retryOtherHost, true);
  });
});

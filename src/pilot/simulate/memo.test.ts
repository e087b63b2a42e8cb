// Generation with a shared memo (as pilot runs it, one per mesh version) must give every proxy the
// same resources as a generation of its own, only sharing the objects that are equal anyway.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { buildRegistry } from '../../registry/index.ts';
import { buildMeshIndex, type GenerationMemo, generateProxyConfig } from '../translate/index.ts';
import {
  BOOKINFO,
  ingressGateway,
  loadSamples,
  NET,
  SAMPLES,
  sidecar,
  workloadsOfDeployments,
} from './fixtures.ts';

const skip = existsSync(SAMPLES) ? false : 'Istio samples (../shared/istio) not present';

test('a memoised generation equals a fresh one and shares a namespace’s clusters, endpoints and routes', {
  skip,
}, () => {
  const store = loadSamples([
    BOOKINFO,
    `${NET}destination-rule-all.yaml`,
    `${NET}virtual-service-reviews-jason-v2-v3.yaml`,
    `${NET}bookinfo-gateway.yaml`,
  ]);
  const registry = buildRegistry(store.snapshot(), { workloads: workloadsOfDeployments(store) });
  const index = buildMeshIndex(store.snapshot(), registry);
  const values = new Map<string, unknown>();
  const memo: GenerationMemo = {
    get: <T>(key: string, build: () => T): T => {
      if (!values.has(key)) values.set(key, build());
      return values.get(key) as T;
    },
  };
  const inbound = [
    {
      targetPort: 9080,
      listenAddress: '127.0.0.1',
      listenPort: 19080,
      appAddress: '127.0.0.1',
      appPort: 29080,
    },
  ];
  const proxies = [
    sidecar({ app: 'productpage', version: 'v1' }),
    sidecar({ app: 'reviews', version: 'v2' }, { inboundBindings: inbound }),
    sidecar(
      { app: 'productpage', version: 'v1' },
      { workloadName: 'productpage-v1-1', captureMode: 'IPTABLES' },
    ),
    sidecar({ app: 'productpage', version: 'v1' }, { workloadName: 'productpage-v1-2' }),
    ingressGateway(),
  ];
  const shared = proxies.map((p) => generateProxyConfig(index, p, memo));
  for (const [i, p] of proxies.entries()) {
    assert.deepEqual(shared[i], generateProxyConfig(index, p), p.workloadName);
  }
  const [productpage, reviews, captured, productpage2] = shared;
  assert.equal(productpage!.clusters[1], reviews!.clusters[1], 'one object for a namespace’s cluster');
  assert.equal(productpage!.endpoints, captured!.endpoints);
  assert.equal(productpage!.routes[0], productpage2!.routes[0], 'same namespace and labels: one route table');
  assert.notEqual(
    productpage!.routes[0],
    reviews!.routes[0],
    'other labels: its own (sourceLabels may differ)',
  );
  assert.notEqual(productpage!.clusters, reviews!.clusters, 'inbound clusters are the proxy’s own');
});

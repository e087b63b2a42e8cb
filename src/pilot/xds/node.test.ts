import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProxyNode } from './index.ts';

test('a sidecar node id and Istio metadata are read as Istio reads them', () => {
  const parsed = parseProxyNode({
    id: 'sidecar~10.0.0.1~reviews-v1-abc.default~default.svc.cluster.local',
    cluster: 'reviews.default',
    metadata: {
      NAMESPACE: 'default',
      LABELS: { app: 'reviews', version: 'v1', n: 3 },
      SERVICE_ACCOUNT: 'bookinfo-reviews',
      WORKLOAD_NAME: 'reviews-v1',
      INSTANCE_IPS: '10.0.0.1,fd00::1,junk',
    },
  });
  assert.ok(parsed.ok);
  assert.equal(parsed.node.type, 'sidecar');
  assert.equal(parsed.node.name, 'reviews-v1-abc');
  assert.equal(parsed.node.namespace, 'default');
  assert.equal(parsed.node.dnsDomain, 'default.svc.cluster.local');
  assert.deepEqual(parsed.node.ips, ['10.0.0.1', 'fd00::1']);
  assert.deepEqual(parsed.node.labels, { app: 'reviews', version: 'v1' });
  assert.equal(parsed.node.serviceAccount, 'bookinfo-reviews');
  assert.equal(parsed.node.workloadName, 'reviews-v1');
  assert.equal(parsed.node.cluster, 'reviews.default');
});

test('a gateway is a router; namespace falls back to the id', () => {
  const parsed = parseProxyNode({
    id: 'router~127.0.0.1~istio-ingressgateway-1.istio-system~istio-system.svc.cluster.local',
  });
  assert.ok(parsed.ok);
  assert.equal(parsed.node.type, 'router');
  assert.equal(parsed.node.namespace, 'istio-system');
  assert.deepEqual(parsed.node.labels, {});
});

test('malformed node ids are errors that say what is wrong', () => {
  const cases: [unknown, RegExp][] = [
    [undefined, /must carry node/],
    [{ id: 'sidecar~10.0.0.1~x' }, /is not <type>~<ip>/],
    [{ id: 'ztunnel~10.0.0.1~x.ns~ns.svc.cluster.local' }, /unknown proxy type "ztunnel"/],
    [{ id: 'sidecar~not-an-ip~x.ns~ns.svc.cluster.local' }, /"not-an-ip" is not an IP address/],
  ];
  for (const [node, message] of cases) {
    const parsed = parseProxyNode(node as never);
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.match(parsed.message, message);
  }
});

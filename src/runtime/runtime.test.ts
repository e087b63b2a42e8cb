// Local-mode planning and wiring without processes: pod names and launches from Deployments, the
// annotation error, command-line splitting, and bootstraps the proxy's own decoder accepts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBootstrap } from '../proxy/xds/index.ts';
import { buildBootstrap, nodeId } from './bootstrap.ts';
import { gatewayPortMap } from './gateway.ts';
import { planPods, splitCommandLine } from './plan.ts';
import { findPod, type RuntimeState } from './state.ts';

const deployment = (name: string, image: string, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: 'default',
  file: 'm.yaml',
  line: 7,
  body: {
    spec: {
      replicas: 2,
      template: {
        metadata: { labels: { app: name.split('-')[0], version: 'v2' }, ...extra },
        spec: {
          serviceAccountName: 'sa',
          containers: [{ image, args: ['9000,9001,9002', 'one'], ports: [{ containerPort: 9000 }] }],
        },
      },
    },
  },
});

test('a Deployment of a sample image plans replicas with stable names and the sample launch', () => {
  const a = planPods([
    deployment('reviews-v2', 'registry.istio.io/release/examples-bookinfo-reviews-v2:1.20.3'),
  ]);
  assert.deepEqual(a.errors, []);
  assert.equal(a.pods.length, 2);
  assert.match(a.pods[0]!.name, /^reviews-v2-[0-9a-f]{9}-0$/);
  assert.equal(a.pods[1]!.name, a.pods[0]!.name.replace(/-0$/, '-1'));
  assert.deepEqual(a.pods[0]!.containers[0]!.launch, {
    kind: 'sample',
    app: 'reviews',
    args: [],
    env: { SERVICE_VERSION: 'v2' },
  });
  assert.equal(a.pods[0]!.serviceAccount, 'sa');
  assert.deepEqual(a.pods[0]!.containerPorts, [9000, 9001, 9002]);
  const again = planPods([
    deployment('reviews-v2', 'registry.istio.io/release/examples-bookinfo-reviews-v2:1.20.3'),
  ]);
  assert.equal(again.pods[0]!.name, a.pods[0]!.name);
});

test('an unknown image without weft.dev/command is an error naming the pod and the annotation', () => {
  const r = planPods([deployment('shop-v1', 'example.com/shop:1')]);
  assert.equal(r.pods.length, 0);
  assert.equal(r.errors.length, 2);
  assert.match(r.errors[0]!, /^m\.yaml:7: pod shop-v1-\w+-0 .*weft\.dev\/command/);
});

test('weft.dev/command runs the given command line', () => {
  const r = planPods([
    deployment('shop-v1', 'example.com/shop:1', {
      annotations: { 'weft.dev/command': 'node server.js --name "my shop"' },
    }),
  ]);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.pods[0]!.containers[0]!.launch, {
    kind: 'command',
    argv: ['node', 'server.js', '--name', 'my shop'],
  });
});

test('splitCommandLine handles quotes and escapes', () => {
  assert.deepEqual(splitCommandLine(`a 'b c' "d \\"e\\"" f\\ g ''`), ['a', 'b c', 'd "e"', 'f g', '']);
  assert.deepEqual(splitCommandLine('   '), []);
});

test("the sidecar and gateway bootstraps decode with the proxy's own decoder", () => {
  const xds = { host: '127.0.0.1', port: 15010 };
  const sidecar = buildBootstrap({
    type: 'sidecar',
    pod: 'reviews-v1-abc-0',
    namespace: 'default',
    labels: { app: 'reviews', version: 'v1' },
    serviceAccount: 'bookinfo-reviews',
    workloadName: 'reviews-v1',
    adminPort: 40000,
    xds,
    httpProxyPort: 40001,
    inbound: [
      {
        targetPort: 9080,
        listenAddress: '127.0.0.1',
        listenPort: 40002,
        appAddress: '127.0.0.1',
        appPort: 40003,
      },
    ],
    outbound: [
      { bind: '127.1.1.1', port: 9000, hostname: 'tcp-echo.default.svc.cluster.local', servicePort: 9000 },
    ],
  });
  const decoded = decodeBootstrap(sidecar);
  assert.ok(decoded.ok, JSON.stringify(!decoded.ok && decoded.errors));
  assert.equal(decoded.value.node.id, 'sidecar~127.0.0.1~reviews-v1-abc-0.default~default.svc.cluster.local');
  assert.equal(decoded.value.node.metadata['INTERCEPTION_MODE'], 'NONE');
  assert.equal(decoded.value.node.metadata['WEFT_HTTP_PROXY'], '127.0.0.1:40001');
  assert.equal(decoded.value.dynamic?.adsCluster, 'xds-grpc');
  const gateway = buildBootstrap({
    type: 'router',
    pod: 'istio-ingressgateway',
    namespace: 'istio-system',
    labels: { istio: 'ingressgateway' },
    serviceAccount: 'sa',
    workloadName: 'istio-ingressgateway',
    adminPort: 40010,
    xds,
    gatewayPorts: gatewayPortMap({ http: 8080, https: 8443, tcp: 31400 }),
  });
  assert.ok(decodeBootstrap(gateway).ok);
  assert.equal(
    nodeId('router', 'gw', 'istio-system'),
    'router~127.0.0.1~gw.istio-system~istio-system.svc.cluster.local',
  );
  assert.deepEqual(gatewayPortMap({ http: 1, https: 2, tcp: 3 })[80], {
    name: 8080,
    bind: '127.0.0.1',
    port: 1,
  });
});

test('findPod accepts full names, deployment names and unique prefixes', () => {
  const pod = (name: string, deployment: string) => ({ name, deployment, namespace: 'default' });
  const state = {
    pods: [
      pod('reviews-v1-a-0', 'reviews-v1'),
      pod('reviews-v2-b-0', 'reviews-v2'),
      pod('productpage-v1-c-0', 'productpage-v1'),
    ],
  } as unknown as RuntimeState;
  assert.equal(findPod(state, 'reviews-v2-b-0')?.name, 'reviews-v2-b-0');
  assert.equal(findPod(state, 'deploy/reviews-v1')?.name, 'reviews-v1-a-0');
  assert.equal(findPod(state, 'productpage')?.name, 'productpage-v1-c-0');
  assert.equal(findPod(state, 'reviews'), undefined);
});

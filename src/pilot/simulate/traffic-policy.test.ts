// Simulation tests for what is not an HTTP route decision: TCP routing through the ingress,
// DestinationRule traffic policies on clusters, and explicit-mode sidecar listeners.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseYaml, validateDocuments } from '../../api/index.ts';
import { toInput } from '../../config/index.ts';
import type { TcpProxyConfig } from '../../proxy/config/index.ts';
import { ingressGateway, loadSamples, SAMPLES, sidecar, simulate } from './fixtures.ts';

const skip = existsSync(SAMPLES) ? false : 'Istio samples (../shared/istio) not present';

function tcpOf(sim: ReturnType<typeof simulate>, listener: string): TcpProxyConfig {
  const l = sim.listeners.get(listener);
  assert.ok(l, `listener ${listener} (have ${[...sim.listeners.keys()].join(', ')})`);
  const filter = l.filterChains[0]!.filter;
  assert.equal(filter.kind, 'tcp_proxy');
  return filter as TcpProxyConfig;
}

describe('TCP routing and traffic policy, simulated', { skip }, () => {
  test('tcp-echo-all-v1 then tcp-echo-20-v2: the gateway listener on 31400 shifts 80/20', () => {
    const base = ['tcp-echo/tcp-echo-services.yaml', 'tcp-echo/tcp-echo-all-v1.yaml'];
    const v1 = tcpOf(simulate(loadSamples(base), ingressGateway()), '0.0.0.0_31400');
    assert.equal(v1.cluster, 'outbound|9000|v1|tcp-echo.default.svc.cluster.local');
    const split = tcpOf(
      simulate(loadSamples([...base, 'tcp-echo/tcp-echo-20-v2.yaml']), ingressGateway()),
      '0.0.0.0_31400',
    );
    assert.deepEqual(
      split.weightedClusters?.map((c) => `${c.name}=${c.weight}`),
      [
        'outbound|9000|v1|tcp-echo.default.svc.cluster.local=80',
        'outbound|9000|v2|tcp-echo.default.svc.cluster.local=20',
      ],
    );
  });

  test('circuit breaking DestinationRule maps to Envoy thresholds and per-connection limits', () => {
    const store = loadSamples(['httpbin/httpbin.yaml']);
    const yaml = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin}
spec:
  host: httpbin
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 1, connectTimeout: 2s}
      http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}
    outlierDetection:
      consecutive5xxErrors: 1
      interval: 1s
      baseEjectionTime: 3m
      maxEjectionPercent: 100
`;
    const { docs } = parseYaml(yaml, 'dr.yaml');
    assert.deepEqual(
      validateDocuments(docs).filter((i) => i.severity === 'error'),
      [],
    );
    store.update(docs.map(toInput));
    const sim = simulate(store, sidecar({ app: 'fortio' }));
    const c = sim.clusters.get('outbound|8000||httpbin.default.svc.cluster.local');
    assert.ok(c);
    assert.equal(c.circuitBreakers.maxConnections, 1);
    assert.equal(c.circuitBreakers.maxPendingRequests, 1);
    assert.equal(c.maxRequestsPerConnection, 1);
    assert.equal(c.connectTimeoutMs, 2000);
    assert.equal(c.outlierDetection?.consecutive5xx, 1);
    assert.equal(c.outlierDetection?.intervalMs, 1000);
    assert.equal(c.outlierDetection?.baseEjectionTimeMs, 180_000);
    assert.equal(c.outlierDetection?.maxEjectionPercent, 100);
    assert.equal(c.lbPolicy, 'LEAST_REQUEST', "Istio's default load balancer");
  });

  test('explicit mode: HTTP proxy, TCP service binding and inbound listeners in front of the app', () => {
    const store = loadSamples(['tcp-echo/tcp-echo-services.yaml', 'bookinfo/platform/kube/bookinfo.yaml']);
    const proxy = sidecar(
      { app: 'reviews', version: 'v2' },
      {
        outboundBindings: [
          {
            bind: '127.0.0.1',
            port: 41000,
            hostname: 'tcp-echo.default.svc.cluster.local',
            servicePort: 9000,
          },
        ],
        inboundBindings: [
          {
            targetPort: 9080,
            listenAddress: '127.0.0.1',
            listenPort: 41001,
            appAddress: '127.0.0.1',
            appPort: 41002,
          },
        ],
      },
    );
    const sim = simulate(store, proxy);
    assert.ok(sim.listeners.has('127.0.0.1_15080'));
    assert.equal(tcpOf(sim, '127.0.0.1_41000').cluster, 'outbound|9000||tcp-echo.default.svc.cluster.local');
    const inbound = sim.listeners.get('inbound_127.0.0.1_41001');
    assert.equal(
      inbound?.filterChains[0]?.filter.kind,
      'http_connection_manager',
      'reviews port 9080 is HTTP',
    );
    assert.deepEqual(sim.endpointsOf('inbound|9080||'), ['127.0.0.1:41002']);
    assert.equal(
      sim.request({ routeConfig: 'http_proxy', authority: 'ratings:9080', path: '/ratings/0' }).cluster,
      'outbound|9080||ratings.default.svc.cluster.local',
    );
  });

  test('capture mode with no inbound ports still yields a valid virtualInbound', () => {
    const sim = simulate(
      loadSamples(['bookinfo/platform/kube/bookinfo.yaml']),
      sidecar({ app: 'sleep' }, { captureMode: 'IPTABLES', httpProxy: undefined }),
    );
    assert.ok(sim.listeners.get('virtualInbound')?.defaultFilterChain);
  });

  test('capture mode: virtualOutbound/virtualInbound and per-port listeners decode', () => {
    const sim = simulate(
      loadSamples(['bookinfo/platform/kube/bookinfo.yaml']),
      sidecar(
        { app: 'productpage' },
        {
          captureMode: 'IPTABLES',
          httpProxy: undefined,
          inboundBindings: [
            {
              targetPort: 9080,
              listenAddress: '0.0.0.0',
              listenPort: 15006,
              appAddress: '127.0.0.1',
              appPort: 9080,
            },
          ],
        },
      ),
    );
    assert.ok(sim.listeners.get('virtualOutbound')?.useOriginalDst);
    assert.equal(sim.listeners.get('0.0.0.0_9080')?.bindToPort, false);
    assert.equal(
      sim.request({ routeConfig: '9080', authority: 'details:9080', path: '/' }).cluster,
      'outbound|9080||details.default.svc.cluster.local',
    );
    assert.equal(
      sim.request({ routeConfig: '9080', authority: 'details', path: '/' }).cluster,
      'outbound|9080||details.default.svc.cluster.local',
    );
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigDump } from '../pilot/index.ts';
import { routeRows } from './proxy-config.ts';

function dump(nodeId: string): ConfigDump {
  return {
    connectionId: '1',
    nodeId,
    meshVersion: 1,
    configVersion: 1,
    config: {
      listeners: [],
      clusters: [],
      endpoints: [],
      routes: [
        {
          name: 'http.8080',
          virtual_hosts: [
            { name: '*:8080', domains: ['*'], routes: [{ match: { prefix: '/productpage' } }] },
          ],
        },
      ],
    },
    destinationRules: [],
    virtualServices: [
      { name: 'bookinfo', namespace: 'default', hosts: ['*'], gateways: ['bookinfo-gateway'] },
      { name: 'everything', namespace: 'default', hosts: ['*'], gateways: ['mesh'] },
    ],
  } as unknown as ConfigDump;
}

test("the VIRTUAL SERVICE column: a gateway's routes name the gateway-bound rule, a sidecar's the mesh one", () => {
  const gw = routeRows(
    dump('router~127.0.0.1~istio-ingressgateway.istio-system~istio-system.svc.cluster.local'),
  );
  assert.deepEqual(gw, [['http.8080', '*:8080', '*', '/productpage*', 'bookinfo.default']]);
  const sidecar = routeRows(dump('sidecar~127.0.0.1~curl-1.default~default.svc.cluster.local'));
  assert.equal(sidecar[0]![4], 'everything.default');
});

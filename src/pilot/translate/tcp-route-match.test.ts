// Which tcp[] rule of a VirtualService a proxy takes: Istio's sourceMatchTCP. With `gateways`,
// only whether the proxy is one of them; otherwise its labels and namespace.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TCPRoute } from '../../api/types/index.ts';
import { type TcpRouteContext, tcpRouteTarget } from './filters.ts';

const routes = (match: object): TCPRoute[] => [
  { match: [match], route: [{ destination: { host: 'a', port: { number: 9000 } } }] },
  { route: [{ destination: { host: 'b', port: { number: 9000 } } }] },
];
const ctx = (over: Partial<TcpRouteContext>): TcpRouteContext => ({
  namespace: 'default',
  port: 9000,
  gateway: 'mesh',
  proxyLabels: { app: 'client' },
  proxyNamespace: 'default',
  portsOf: () => [9000],
  ...over,
});
const target = (match: object, over: Partial<TcpRouteContext> = {}) =>
  JSON.stringify(tcpRouteTarget(routes(match), ctx(over)));
const A = JSON.stringify({ cluster: 'outbound|9000||a.default.svc.cluster.local' });
const B = JSON.stringify({ cluster: 'outbound|9000||b.default.svc.cluster.local' });

test('gateways decide alone: sourceLabels and sourceNamespace are not consulted', () => {
  const m = { gateways: ['mesh'], sourceLabels: { app: 'other' }, sourceNamespace: 'elsewhere' };
  assert.equal(target(m), A);
  assert.equal(target(m, { gateway: 'default/gw' }), B);
  assert.equal(target({ gateways: ['gw'] }, { gateway: 'default/gw' }), A);
});

test('without gateways: the proxy labels must include sourceLabels, its namespace sourceNamespace', () => {
  assert.equal(target({ sourceLabels: { app: 'client' } }), A);
  assert.equal(target({ sourceLabels: { app: 'other' } }), B);
  assert.equal(target({ sourceNamespace: 'default' }), A);
  assert.equal(target({ sourceNamespace: 'other' }), B);
  assert.equal(target({ port: 9001 }), B);
});

// Which matches of a VirtualService apply to the proxy being generated, simulated: Istio's
// sourceMatchHTTP. When a match names gateways, it applies exactly to those (the sidecars'
// 'mesh', or a gateway), and its sourceLabels and sourceNamespace are not consulted; otherwise
// the proxy's own labels must include sourceLabels (a gateway proxy's labels too) and its
// namespace must be sourceNamespace when that is set. A match that does not apply is left out of
// that proxy's routes, so its requests fall through to the next rule.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { BOOKINFO, ingressGateway, loadWith, NET, SAMPLES, sidecar, simulate } from './fixtures.ts';

const skip = existsSync(SAMPLES) ? false : 'Istio samples (../shared/istio) not present';
const reviews = (subset: string) => `outbound|9080|${subset}|reviews.default.svc.cluster.local`;
const FILES = [BOOKINFO, `${NET}destination-rule-all.yaml`, `${NET}bookinfo-gateway.yaml`];

/** reviews: the first rule's single match (as given) goes to v2, everything else to v1. */
function storeWithMatch(match: string, gateways = '[bookinfo-gateway, mesh]') {
  return loadWith(
    FILES,
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  gateways: ${gateways}
  http:
  - name: matched
    match: [${match}]
    route: [{destination: {host: reviews, subset: v2}}]
  - name: rest
    route: [{destination: {host: reviews, subset: v1}}]
`,
  );
}

const productpage = sidecar({ app: 'productpage', version: 'v1' });
const ratings = sidecar({ app: 'ratings', version: 'v1' });
const fromSidecar = (store: ReturnType<typeof storeWithMatch>, proxy = productpage) =>
  simulate(store, proxy).request({
    routeConfig: 'http_proxy',
    authority: 'reviews.default.svc.cluster.local:9080',
    path: '/reviews/0',
  });
const fromGateway = (store: ReturnType<typeof storeWithMatch>) =>
  simulate(store, ingressGateway()).request({
    routeConfig: 'http.8080',
    authority: 'reviews.default.svc.cluster.local',
    path: '/reviews/0',
  });

describe('sourceMatchHTTP, simulated', { skip }, () => {
  test('sourceLabels without gateways: the sidecar whose labels include them takes the rule, others fall through', () => {
    const store = storeWithMatch('{sourceLabels: {app: productpage}}', '[mesh]');
    assert.equal(fromSidecar(store).cluster, reviews('v2'));
    assert.equal(fromSidecar(store).route, 'matched');
    assert.equal(fromSidecar(store, ratings).cluster, reviews('v1'));
    assert.equal(fromSidecar(store, ratings).route, 'rest');
  });

  test('gateways: [mesh] applies to every sidecar, its sourceLabels and sourceNamespace not consulted', () => {
    const store = storeWithMatch(
      '{gateways: [mesh], sourceLabels: {app: nobody}, sourceNamespace: elsewhere}',
    );
    assert.equal(fromSidecar(store).cluster, reviews('v2'));
    assert.equal(fromSidecar(store, ratings).cluster, reviews('v2'));
    // and not to the gateway, which is not 'mesh'
    assert.equal(fromGateway(store).cluster, reviews('v1'));
  });

  test('gateways: [bookinfo-gateway] applies on that gateway whatever its sourceLabels say, not on sidecars', () => {
    const store = storeWithMatch('{gateways: [bookinfo-gateway], sourceLabels: {app: productpage}}');
    const r = fromGateway(store);
    assert.equal(r.cluster, reviews('v2'), 'the gateway is named: sourceLabels are not checked for it');
    assert.equal(r.route, 'matched');
    assert.equal(fromSidecar(store).cluster, reviews('v1'), "a sidecar is not 'bookinfo-gateway'");
    // The namespaced form names the same gateway.
    assert.equal(
      fromGateway(storeWithMatch('{gateways: [default/bookinfo-gateway]}')).cluster,
      reviews('v2'),
    );
    assert.equal(
      fromGateway(storeWithMatch('{gateways: [istio-system/bookinfo-gateway]}')).cluster,
      reviews('v1'),
    );
  });

  test("sourceLabels without gateways on a gateway proxy: compared with the gateway's own labels, as Istio", () => {
    assert.equal(fromGateway(storeWithMatch('{sourceLabels: {app: productpage}}')).cluster, reviews('v1'));
    assert.equal(
      fromGateway(storeWithMatch('{sourceLabels: {istio: ingressgateway}}')).cluster,
      reviews('v2'),
    );
  });

  test('sourceNamespace without gateways: only proxies of that namespace take the rule', () => {
    const store = storeWithMatch('{sourceNamespace: default}', '[mesh]');
    assert.equal(fromSidecar(store).cluster, reviews('v2'));
    const elsewhere = sidecar({ app: 'curl' }, { namespace: 'other' });
    assert.equal(fromSidecar(store, elsewhere).cluster, reviews('v1'));
    // Together with sourceLabels both must hold.
    const both = storeWithMatch('{sourceNamespace: default, sourceLabels: {app: curl}}', '[mesh]');
    assert.equal(fromSidecar(both, sidecar({ app: 'curl' })).cluster, reviews('v2'));
    assert.equal(fromSidecar(both, elsewhere).cluster, reviews('v1'));
    assert.equal(fromSidecar(both).cluster, reviews('v1'));
    // On the ingress gateway (namespace istio-system) a sourceNamespace of default does not hold.
    assert.equal(fromGateway(storeWithMatch('{sourceNamespace: default}')).cluster, reviews('v1'));
    assert.equal(fromGateway(storeWithMatch('{sourceNamespace: istio-system}')).cluster, reviews('v2'));
  });
});

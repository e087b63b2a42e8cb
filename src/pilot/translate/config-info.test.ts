// Istio's config-info metadata: each route a VirtualService made and each cluster a DestinationRule
// shaped names its rule in `istio.config` (istioctl's proxy-config columns read it, as weft's do).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import {
  BOOKINFO,
  generateFor,
  ingressGateway,
  loadSamples,
  NET,
  SAMPLES,
  sidecar,
} from '../simulate/fixtures.ts';
import type { Json } from './clusters.ts';
import type { ProxyInfo } from './index.ts';

const skip = existsSync(SAMPLES) ? false : 'Istio samples (../shared/istio) not present';
const PATH = '/apis/networking.istio.io/v1/namespaces/default';

function generated(proxy: ProxyInfo) {
  const store = loadSamples([
    BOOKINFO,
    `${NET}bookinfo-gateway.yaml`,
    `${NET}destination-rule-all.yaml`,
    `${NET}virtual-service-reviews-test-v2.yaml`,
  ]);
  return generateFor(store, proxy);
}

function configOf(resource: Json): unknown {
  const metadata = resource['metadata'] as Json | undefined;
  const istio = (metadata?.['filter_metadata'] as Json | undefined)?.['istio'] as Json | undefined;
  return istio?.['config'];
}

function routesOf(config: { routes: Json[] }, vhostPrefix: string): Json[] {
  const out: Json[] = [];
  for (const rc of config.routes)
    for (const vh of (rc['virtual_hosts'] as Json[] | undefined) ?? [])
      if (String(vh['name']).startsWith(vhostPrefix)) out.push(...((vh['routes'] as Json[]) ?? []));
  return out;
}

test("a sidecar's routes and clusters name the VirtualService and DestinationRule behind them", {
  skip,
}, () => {
  const config = generated(sidecar({ app: 'productpage', version: 'v1' }));
  const reviews = routesOf(config, 'reviews.default.svc.cluster.local:9080');
  assert.ok(reviews.length >= 2, 'jason and the rest');
  for (const r of reviews) assert.equal(configOf(r), `${PATH}/virtual-service/reviews`);
  // No VirtualService for ratings: its default route names none.
  const ratings = routesOf(config, 'ratings.default.svc.cluster.local:9080');
  assert.equal(ratings.length, 1);
  assert.equal(configOf(ratings[0]!), undefined);
  const cluster = (name: string) => config.clusters.find((c) => c['name'] === name)!;
  assert.equal(
    configOf(cluster('outbound|9080|v2|reviews.default.svc.cluster.local')),
    `${PATH}/destination-rule/reviews`,
  );
  assert.equal(
    configOf(cluster('outbound|9080||ratings.default.svc.cluster.local')),
    `${PATH}/destination-rule/ratings`,
  );
});

test("a gateway's routes name the gateway-bound VirtualService", { skip }, () => {
  const routes = routesOf(generated(ingressGateway()), '');
  assert.ok(routes.length > 0);
  for (const r of routes) assert.equal(configOf(r), `${PATH}/virtual-service/bookinfo`);
});

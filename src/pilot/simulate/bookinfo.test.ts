// Simulation tests over every Bookinfo networking sample: a request goes through the config the
// control plane generates (decoded and routed by the proxy's own code) and must land where
// Istio's documentation says it does.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { BOOKINFO, ingressGateway, loadSamples, NET, SAMPLES, sidecar, simulate } from './fixtures.ts';

const skip = existsSync(SAMPLES) ? false : 'Istio samples (../shared/istio) not present';
const productpage = sidecar({ app: 'productpage', version: 'v1' });
const cluster = (subset: string, host: string, port = 9080) =>
  `outbound|${port}|${subset}|${host}.default.svc.cluster.local`;
const get = (authority: string, path = '/', headers: Record<string, string> = {}) => ({
  routeConfig: 'http_proxy',
  authority,
  path,
  headers,
});

describe('Bookinfo networking samples, simulated', { skip }, () => {
  test('no rules: default route per service, Istio default retries, no timeout; endpoints of all versions', () => {
    const sim = simulate(loadSamples([BOOKINFO]), productpage);
    const r = sim.request(get('reviews:9080', '/reviews/0'));
    assert.equal(r.cluster, cluster('', 'reviews'));
    assert.equal(r.endpoints.length, 3, 'reviews v1, v2, v3');
    assert.equal(r.retries, 2);
    assert.equal(r.timeoutMs, 0);
    assert.equal(r.attemptCount, true, 'include_request_attempt_count, as Istio sets it');
    for (const host of [
      'details',
      'ratings',
      'productpage',
      'reviews.default',
      'reviews.default.svc',
      'reviews.default.svc.cluster.local',
    ]) {
      assert.equal(sim.request(get(`${host}:9080`)).kind, 'cluster', host);
    }
    // meshConfig.outboundTrafficPolicy ALLOW_ANY (Istio's default): a host the registry does not
    // know goes where the app sent it, through the allow_any virtual host and PassthroughCluster.
    const unknown = sim.request(get('unknown:9080'));
    assert.equal(unknown.virtualHost, 'allow_any');
    assert.equal(unknown.cluster, 'PassthroughCluster');
    assert.deepEqual(unknown.endpoints, ['unknown:9080']);
  });

  test('bookinfo-gateway: the ingress routes the five productpage paths and nothing else', () => {
    const sim = simulate(loadSamples([BOOKINFO, `${NET}bookinfo-gateway.yaml`]), ingressGateway());
    assert.ok(sim.listeners.has('0.0.0.0_8080'));
    const at = (path: string) => sim.request({ routeConfig: 'http.8080', authority: 'localhost:8080', path });
    for (const p of ['/productpage', '/static/css/x.css', '/login', '/logout', '/api/v1/products/0']) {
      assert.equal(at(p).cluster, cluster('', 'productpage'), p);
    }
    assert.equal(at('/productpage').attemptCount, true, 'include_request_attempt_count on gateways too');
    assert.equal(at('/productpage/extra').kind, 'no_route', 'exact match');
    assert.equal(at('/details/0').kind, 'no_route');
  });

  test('certmanager-gateway: gateway in istio-system routes the ACME path on port 80 (served on 8080)', () => {
    const sim = simulate(loadSamples([BOOKINFO, `${NET}certmanager-gateway.yaml`]), ingressGateway());
    const r = sim.request({
      routeConfig: 'http.80',
      authority: 'example.com',
      path: '/.well-known/acme-challenge/x',
    });
    assert.equal(r.cluster, 'outbound|8089||cert-manager-resolver.istio-system.svc.cluster.local');
  });

  test("destination-rule-all (+mtls): a cluster per subset with only that version's endpoints", () => {
    for (const dr of ['destination-rule-all.yaml', 'destination-rule-all-mtls.yaml']) {
      const sim = simulate(loadSamples([BOOKINFO, NET + dr]), productpage);
      for (const v of ['v1', 'v2', 'v3'])
        assert.equal(sim.endpointsOf(cluster(v, 'reviews')).length, 1, `${dr} reviews ${v}`);
      assert.equal(sim.endpointsOf(cluster('v2', 'details')).length, 0, 'no details v2 deployment');
      assert.ok(sim.clusters.has(cluster('v2-mysql-vm', 'ratings')));
    }
  });

  test('destination-rule-reviews: reviews subsets with a RANDOM load balancer', () => {
    const sim = simulate(loadSamples([BOOKINFO, `${NET}destination-rule-reviews.yaml`]), productpage);
    assert.equal(sim.clusters.get(cluster('v1', 'reviews'))?.lbPolicy, 'RANDOM');
  });

  test('virtual-service-all-v1: every service goes to v1', () => {
    const sim = simulate(
      loadSamples([BOOKINFO, `${NET}destination-rule-all.yaml`, `${NET}virtual-service-all-v1.yaml`]),
      productpage,
    );
    for (const s of ['productpage', 'reviews', 'ratings', 'details']) {
      for (const user of ['jason', 'other']) {
        assert.equal(sim.request(get(`${s}:9080`, '/', { 'end-user': user })).cluster, cluster('v1', s), s);
      }
    }
  });

  test('virtual-service-reviews-test-v2: jason → v2, everyone else → v1', () => {
    const sim = simulate(
      loadSamples([
        BOOKINFO,
        `${NET}destination-rule-all.yaml`,
        `${NET}virtual-service-all-v1.yaml`,
        `${NET}virtual-service-reviews-test-v2.yaml`,
      ]),
      productpage,
    );
    assert.equal(
      sim.request(get('reviews:9080', '/reviews/0', { 'end-user': 'jason' })).cluster,
      cluster('v2', 'reviews'),
    );
    assert.equal(
      sim.request(get('reviews:9080', '/reviews/0', { 'end-user': 'Jason' })).cluster,
      cluster('v1', 'reviews'),
    );
    assert.equal(sim.request(get('reviews:9080', '/reviews/0')).cluster, cluster('v1', 'reviews'));
  });

  test('virtual-service-reviews-jason-v2-v3: jason → v2, others → v3', () => {
    const sim = simulate(
      loadSamples([
        BOOKINFO,
        `${NET}destination-rule-all.yaml`,
        `${NET}virtual-service-reviews-jason-v2-v3.yaml`,
      ]),
      productpage,
    );
    assert.equal(
      sim.request(get('reviews:9080', '/', { 'end-user': 'jason' })).cluster,
      cluster('v2', 'reviews'),
    );
    assert.equal(sim.request(get('reviews:9080', '/')).cluster, cluster('v3', 'reviews'));
  });

  test('virtual-service-reviews-v3 and -v2-v3', () => {
    const base = [BOOKINFO, `${NET}destination-rule-all.yaml`];
    const v3 = simulate(loadSamples([...base, `${NET}virtual-service-reviews-v3.yaml`]), productpage);
    assert.equal(v3.request(get('reviews:9080')).cluster, cluster('v3', 'reviews'));
    const v2v3 = simulate(loadSamples([...base, `${NET}virtual-service-reviews-v2-v3.yaml`]), productpage);
    const shares = v2v3.split(get('reviews:9080'));
    assert.ok(Math.abs((shares[cluster('v2', 'reviews')] ?? 0) - 0.5) < 0.01);
    assert.ok(Math.abs((shares[cluster('v3', 'reviews')] ?? 0) - 0.5) < 0.01);
  });

  for (const [file, a, b, shareA] of [
    ['virtual-service-reviews-50-v3.yaml', 'v1', 'v3', 0.5],
    ['virtual-service-reviews-80-20.yaml', 'v1', 'v2', 0.8],
    ['virtual-service-reviews-90-10.yaml', 'v1', 'v2', 0.9],
  ] as const) {
    test(`${file}: weighted split ${shareA * 100}/${Math.round((1 - shareA) * 100)}`, () => {
      const sim = simulate(
        loadSamples([BOOKINFO, `${NET}destination-rule-all.yaml`, NET + file]),
        productpage,
      );
      const shares = sim.split(get('reviews:9080'));
      assert.ok(Math.abs((shares[cluster(a, 'reviews')] ?? 0) - shareA) < 0.01, JSON.stringify(shares));
      assert.ok(Math.abs((shares[cluster(b, 'reviews')] ?? 0) - (1 - shareA)) < 0.01, JSON.stringify(shares));
    });
  }

  test('virtual-service-ratings-test-delay: a 7 s delay for jason only', () => {
    const sim = simulate(
      loadSamples([
        BOOKINFO,
        `${NET}destination-rule-all.yaml`,
        `${NET}virtual-service-ratings-test-delay.yaml`,
      ]),
      productpage,
    );
    const jason = sim.request(get('ratings:9080', '/ratings/0', { 'end-user': 'jason' }));
    assert.equal(jason.cluster, cluster('v1', 'ratings'));
    assert.deepEqual(jason.perFilterConfig, {
      'envoy.filters.http.fault': {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
        delay: { fixed_delay: '7s', percentage: { numerator: 1_000_000, denominator: 'MILLION' } },
      },
    });
    const other = sim.request(get('ratings:9080', '/ratings/0'));
    assert.equal(other.cluster, cluster('v1', 'ratings'));
    assert.equal(Object.keys(other.perFilterConfig ?? {}).length, 0);
  });

  test('virtual-service-ratings-test-abort: an abort for jason only', () => {
    const sim = simulate(
      loadSamples([
        BOOKINFO,
        `${NET}destination-rule-all.yaml`,
        `${NET}virtual-service-ratings-test-abort.yaml`,
      ]),
      productpage,
    );
    const jason = sim.request(get('ratings:9080', '/ratings/0', { 'end-user': 'jason' }));
    assert.equal(jason.cluster, cluster('v1', 'ratings'));
    // Istio's TranslateFault: httpStatus 500 for percentage 100.0, as a FractionalPercent per million.
    assert.deepEqual(jason.perFilterConfig, {
      'envoy.filters.http.fault': {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
        abort: { http_status: 500, percentage: { numerator: 1_000_000, denominator: 'MILLION' } },
      },
    });
    assert.equal(Object.keys(sim.request(get('ratings:9080', '/ratings/0')).perFilterConfig ?? {}).length, 0);
  });

  test('fault-injection-details-v1: every details request carries the 555 abort', () => {
    const sim = simulate(loadSamples([BOOKINFO, `${NET}fault-injection-details-v1.yaml`]), productpage);
    const r = sim.request(get('details:9080', '/details/0'));
    assert.equal(r.cluster, cluster('v1', 'details'));
    assert.match(JSON.stringify(r.perFilterConfig), /555/);
  });

  test('virtual-service-details-v2: details → v2 (no endpoints: no such deployment)', () => {
    const sim = simulate(
      loadSamples([BOOKINFO, `${NET}destination-rule-all.yaml`, `${NET}virtual-service-details-v2.yaml`]),
      productpage,
    );
    const r = sim.request(get('details:9080'));
    assert.equal(r.cluster, cluster('v2', 'details'));
    assert.deepEqual(r.endpoints, []);
  });

  for (const [file, subset] of [
    ['virtual-service-ratings-db.yaml', 'v2'],
    ['virtual-service-ratings-mysql.yaml', 'v2-mysql'],
    ['virtual-service-ratings-mysql-vm.yaml', 'v2-mysql-vm'],
  ] as const) {
    test(`${file}: reviews → v3 and ratings → ${subset}`, () => {
      const sim = simulate(
        loadSamples([BOOKINFO, `${NET}destination-rule-all.yaml`, NET + file]),
        productpage,
      );
      assert.equal(sim.request(get('reviews:9080')).cluster, cluster('v3', 'reviews'));
      assert.equal(sim.request(get('ratings:9080')).cluster, cluster(subset, 'ratings'));
    });
  }

  test('egress-rule-google-apis: port 80 is sent to the 443 cluster of the external host', () => {
    const sim = simulate(loadSamples([BOOKINFO, `${NET}egress-rule-google-apis.yaml`]), productpage);
    const r = sim.request({ routeConfig: 'http_proxy', authority: 'www.googleapis.com', path: '/' });
    assert.equal(r.cluster, 'outbound|443||www.googleapis.com');
    // The rule's ROUND_ROBIN holds on port 80; port 443 has a port-level entry (tls only), and Istio
    // applies defaults, not the rule's settings, to what a port-level entry leaves out.
    assert.equal(sim.clusters.get('outbound|80||www.googleapis.com')?.lbPolicy, 'ROUND_ROBIN');
    assert.equal(sim.clusters.get('outbound|443||www.googleapis.com')?.lbPolicy, 'LEAST_REQUEST');
  });
});

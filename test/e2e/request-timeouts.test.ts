// Istio's "Request timeouts" task on the local mesh: reviews → v2 and a 2 s delay on every call to
// ratings (rules written inline, as the task does), so the page takes about 2 s; then a 0.5 s
// timeout on reviews: productpage's sidecar gives up after 0.5 s, productpage tries once more, and
// the page comes back in about 1 s with the reviews error.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { SAMPLES, upMesh } from './helpers.ts';
import { applyYaml, REVIEWS_UNAVAILABLE, timedPage } from './resilience-helpers.ts';

const NET = join(SAMPLES, 'bookinfo', 'networking');

const REVIEWS_V2 = (extra: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v2
${extra}`;

const RATINGS_DELAY = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ratings
spec:
  hosts:
  - ratings
  http:
  - fault:
      delay:
        percentage:
          value: 100
        fixedDelay: 2s
    route:
    - destination:
        host: ratings
        subset: v1
`;

test('request timeouts: a 2 s delay on ratings, then a 0.5 s timeout on reviews', async (t) => {
  const mesh = await upMesh(t, [
    join(SAMPLES, 'bookinfo', 'platform', 'kube', 'bookinfo.yaml'),
    join(NET, 'bookinfo-gateway.yaml'),
  ]);
  await mesh.apply(join(NET, 'destination-rule-all.yaml'), 'productpage');
  await mesh.apply(join(NET, 'virtual-service-all-v1.yaml'), 'productpage');
  await applyYaml(mesh, REVIEWS_V2(''), 'productpage');
  await applyYaml(mesh, RATINGS_DELAY, 'reviews-v2');

  await t.test('the delayed page takes about 2 s and shows black stars', async () => {
    const page = await timedPage(mesh);
    assert.equal(page.status, 200);
    assert.match(page.html, /<font color="black">/);
    assert.ok(page.s >= 1.9 && page.s <= 5, `the page took ${page.s.toFixed(2)} s, expected about 2`);
    t.diagnostic(`delayed page: ${page.s.toFixed(2)} s`);
  });

  await t.test('a 0.5 s timeout on reviews: about 1 s, reviews unavailable', async () => {
    await applyYaml(mesh, REVIEWS_V2('    timeout: 0.5s\n'), 'productpage');
    const page = await timedPage(mesh);
    assert.equal(page.status, 200);
    assert.ok(page.html.includes(REVIEWS_UNAVAILABLE), 'the page shows the reviews error');
    // Two attempts of 0.5 s each (productpage retries reviews once): 1.01–1.02 s measured here.
    assert.ok(page.s >= 0.95 && page.s <= 1.5, `the page took ${page.s.toFixed(2)} s, expected about 1`);
    t.diagnostic(`page with the reviews timeout: ${page.s.toFixed(2)} s`);
  });
});

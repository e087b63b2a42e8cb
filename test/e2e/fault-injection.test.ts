// Istio's "Fault injection" task on the local mesh, with Istio's sample files: reviews v2 for
// jason, then a 7 s delay on ratings for jason — productpage gives up on reviews after two 3 s
// attempts, so jason's page takes about 6 s and shows the reviews error while everyone else's is
// fast and fine — then an HTTP abort on ratings for jason, whose page says ratings are unavailable.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { reviewsVersion, SAMPLES, upMesh } from './helpers.ts';
import { login, RATINGS_UNAVAILABLE, REVIEWS_UNAVAILABLE, timedPage } from './resilience-helpers.ts';

const NET = join(SAMPLES, 'bookinfo', 'networking');

test('fault injection: a 7 s delay, then an abort, on ratings for jason', async (t) => {
  const mesh = await upMesh(t, [
    join(SAMPLES, 'bookinfo', 'platform', 'kube', 'bookinfo.yaml'),
    join(NET, 'bookinfo-gateway.yaml'),
  ]);
  await mesh.apply(join(NET, 'destination-rule-all.yaml'), 'productpage');
  await mesh.apply(join(NET, 'virtual-service-all-v1.yaml'), 'productpage');
  await mesh.apply(join(NET, 'virtual-service-reviews-test-v2.yaml'), 'productpage');
  await mesh.apply(join(NET, 'virtual-service-ratings-test-delay.yaml'), 'reviews-v2');
  const jason = await login(mesh, 'jason');

  await t.test('delay: jason waits about 6 s for the reviews error', async () => {
    const page = await timedPage(mesh, jason);
    assert.equal(page.status, 200);
    assert.ok(page.html.includes(REVIEWS_UNAVAILABLE), 'the page shows the reviews error');
    assert.ok(page.s >= 5.5 && page.s <= 9, `jason's page took ${page.s.toFixed(2)} s, expected about 6`);
    t.diagnostic(`jason's delayed page: ${page.s.toFixed(2)} s`);
  });

  await t.test('delay: another user is fast and sees reviews v1', async () => {
    const page = await timedPage(mesh);
    assert.equal(page.status, 200);
    assert.equal(reviewsVersion(page.html), 'v1');
    assert.ok(!page.html.includes(REVIEWS_UNAVAILABLE));
    assert.ok(page.s < 2.5, `the page took ${page.s.toFixed(2)} s`);
  });

  await t.test('abort: jason sees "Ratings service is currently unavailable"', async () => {
    await mesh.apply(join(NET, 'virtual-service-ratings-test-abort.yaml'), 'reviews-v2');
    const page = await timedPage(mesh, jason);
    assert.equal(page.status, 200);
    // Only reviews v2 and v3 call ratings; with no rating to show, v2 draws no stars.
    assert.ok(page.html.includes(RATINGS_UNAVAILABLE), 'the ratings error is on the page');
    assert.ok(page.s < 3, `the page took ${page.s.toFixed(2)} s`);
    const other = await timedPage(mesh);
    assert.equal(reviewsVersion(other.html), 'v1');
    assert.ok(!other.html.includes(RATINGS_UNAVAILABLE));
  });
});

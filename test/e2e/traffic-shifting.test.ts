// Istio's "Traffic shifting" task on the local mesh, with Istio's sample files: reviews 50/50 between
// v1 and v3, then 80/20 and 90/10 between v1 and v2. Each observed share must lie within the
// tolerance a correct weighted split meets with probability ≥ 0.999 (exact binomial, n pages).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { binomialTolerance, countVersions, type Mesh, SAMPLES, upMesh } from './helpers.ts';

const NET = join(SAMPLES, 'bookinfo', 'networking');
const N = 200;

test('binomial tolerance is the two-sided 0.999 interval', () => {
  // n = 200, p = 0.5: sd ≈ 7.07 and the normal approximation gives 3.29 sd ≈ 23.3.
  const k = binomialTolerance(200, 0.5);
  assert.ok(k >= 22 && k <= 24, `k = ${k}`);
  assert.equal(binomialTolerance(10, 0.5, 1), 5);
});

test('traffic shifting: 50 % v3, then 80/20 and 90/10 v1/v2', async (t) => {
  const mesh = await upMesh(t, [
    join(SAMPLES, 'bookinfo', 'platform', 'kube', 'bookinfo.yaml'),
    join(NET, 'bookinfo-gateway.yaml'),
  ]);
  await mesh.apply(join(NET, 'destination-rule-all.yaml'), 'productpage');
  await mesh.apply(join(NET, 'virtual-service-all-v1.yaml'), 'productpage');

  // The first shift follows a rule applied before any traffic; later ones change routes on
  // connections productpage keeps open, which take them from their next request.
  await shift(mesh, 'virtual-service-reviews-50-v3.yaml', 'v3', 0.5);
  await shift(mesh, 'virtual-service-reviews-80-20.yaml', 'v2', 0.2);
  await shift(mesh, 'virtual-service-reviews-90-10.yaml', 'v2', 0.1);
});

/** Applies a weighted rule and checks the share of `other` over N pages. */
async function shift(mesh: Mesh, file: string, other: 'v2' | 'v3', share: number): Promise<void> {
  await mesh.apply(join(NET, file), 'productpage');
  const counts = await countVersions(mesh, N);
  const k = binomialTolerance(N, share);
  const seen = JSON.stringify(counts);
  assert.equal(counts.v1 + counts[other], N, `${file}: only v1 and ${other}: ${seen}`);
  assert.ok(
    Math.abs(counts[other] - N * share) <= k,
    `${file}: ${other} on ${counts[other]} of ${N} pages, expected ${N * share} ± ${k}`,
  );
}

// sampleForImage covers every container image of Istio's samples (read here as test data only).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { imageName, listSampleApps, sampleForImage } from './index.ts';

const SAMPLES = '/work/shared/istio/samples';

test('known images map to their apps and versions', () => {
  const cases: [string, string, Record<string, string>][] = [
    [
      'registry.istio.io/release/examples-bookinfo-productpage-v1:1.20.3',
      'productpage',
      { SERVICE_VERSION: 'v1' },
    ],
    ['registry.istio.io/release/examples-bookinfo-details-v1:1.20.3', 'details', { SERVICE_VERSION: 'v1' }],
    ['registry.istio.io/release/examples-bookinfo-reviews-v2:1.20.3', 'reviews', { SERVICE_VERSION: 'v2' }],
    ['docker.io/istio/examples-bookinfo-reviews-v3:1.20.3', 'reviews', { SERVICE_VERSION: 'v3' }],
    [
      'registry.istio.io/release/examples-bookinfo-ratings-v2-mysql:1.20.3',
      'ratings',
      { SERVICE_VERSION: 'v2' },
    ],
    [
      'registry.istio.io/release/examples-bookinfo-ratings-v-faulty:1.20.3',
      'ratings',
      { SERVICE_VERSION: 'v-faulty' },
    ],
    ['registry.istio.io/release/examples-helloworld-v2:1.0', 'helloworld', { SERVICE_VERSION: 'v2' }],
    ['docker.io/mccutchen/go-httpbin:v2.15.0', 'httpbin', {}],
    ['docker.io/kennethreitz/httpbin', 'httpbin', {}],
    ['docker.io/kong/httpbin:0.1.0', 'httpbin', {}],
    ['docker.io/curlimages/curl:8.16.0', 'curl', {}],
    ['governmentpaas/sleep', 'sleep', {}],
    ['docker.io/fortio/fortio:latest_release', 'fortio', {}],
  ];
  for (const [image, app, env] of cases)
    assert.deepEqual(sampleForImage(image), { app, args: [], env }, image);
  assert.deepEqual(
    sampleForImage('registry.istio.io/release/tcp-echo-server:1.3', ['9000,9001,9002', 'one']),
    {
      app: 'tcp-echo',
      args: ['9000,9001,9002', 'one'],
      env: {},
    },
  );
  assert.equal(sampleForImage('nginx:1.27'), undefined);
  assert.equal(sampleForImage('istio/examples-bookinfo-mongodb:1.20.3'), undefined);
  assert.equal(imageName('r.io/a/b@sha256:abc'), 'b');
  assert.equal(imageName('localhost:5000/x/curl:1'), 'curl');
});

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(n) ? [p] : [];
  });
}

test("every image in Istio's sample manifests has an app", { skip: !existsSync(SAMPLES) }, () => {
  const apps = new Set(listSampleApps());
  let count = 0;
  for (const file of yamlFiles(SAMPLES)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/^\s*-?\s*image:\s*["']?([^\s"']+)/gm)) {
      const launch = sampleForImage(m[1]!);
      assert.ok(launch, `${file}: ${m[1]} has no sample app`);
      assert.ok(apps.has(launch.app), `${launch.app} is runnable`);
      count++;
    }
  }
  assert.ok(count >= 20, `found ${count} images`);
});

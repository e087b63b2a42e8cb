// Istio's "Getting started" with Bookinfo on the local mesh: `weft up -d` with Istio's own sample
// files, the product page through the ingress gateway, every reviews version answering when no
// routing rule exists; then the CLI around it (status, exec, logs) and a `down`/`up` that keeps
// the applied config.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { countVersions, productPage, SAMPLES, until, upMesh } from './helpers.ts';

const BOOKINFO = join(SAMPLES, 'bookinfo', 'platform', 'kube', 'bookinfo.yaml');
const GATEWAY = join(SAMPLES, 'bookinfo', 'networking', 'bookinfo-gateway.yaml');

test('bookinfo: up, product page, all three reviews versions, CLI, down/up keeps config', async (t) => {
  const mesh = await upMesh(t, [BOOKINFO, GATEWAY]);

  const page = await productPage(mesh);
  assert.equal(page.status, 200);
  assert.match(page.html, /Simple Bookstore App/);

  // With no routing rule, reviews round-robins over v1, v2 and v3. A version missing from 30
  // uniform picks has probability 3·(2/3)^30 ≈ 1.6e-5.
  const counts = await countVersions(mesh, 30);
  assert.equal(counts.unknown, 0, `every page shows reviews: ${JSON.stringify(counts)}`);
  for (const v of ['v1', 'v2', 'v3'] as const)
    assert.ok(counts[v] > 0, `${v} seen: ${JSON.stringify(counts)}`);

  const status = await mesh.run(['status', '-o', 'json']);
  assert.equal(status.code, 0, status.stderr);
  const state = JSON.parse(status.stdout) as {
    pods: { name: string; ready: boolean; sync: string; version: string }[];
  };
  assert.equal(state.pods.length, 6);
  for (const p of state.pods) {
    assert.ok(p.ready, `${p.name} ready`);
    assert.equal(p.sync, 'SYNCED');
  }
  assert.deepEqual(
    state.pods
      .filter((p) => p.name.startsWith('reviews'))
      .map((p) => p.version)
      .sort(),
    ['v1', 'v2', 'v3'],
  );
  const table = await mesh.run(['status']);
  assert.match(table.stdout, /^productpage-v1-\S+\s+2\/2\s+Running\s+0\s+v1\s/m);

  const exec = await mesh.run(['exec', 'productpage', '--', 'curl', '-s', 'http://details:9080/details/0']);
  assert.equal(exec.code, 0, exec.stderr);
  assert.match(exec.stdout, /William Shakespeare/);

  const logs = await mesh.run(['logs', 'details-v1', '--tail', '5']);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /weft-sample details listening/);

  // Config applied while running survives down + up (with no -f: the Deployments are config too).
  await mesh.apply(join(SAMPLES, 'bookinfo', 'networking', 'destination-rule-all.yaml'), 'productpage');
  await mesh.apply(join(SAMPLES, 'bookinfo', 'networking', 'virtual-service-all-v1.yaml'), 'productpage');
  const down = await mesh.run(['down', '--grace', '3']);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, /Config kept/);
  await until('the gateway port is closed', 5000, async () => {
    try {
      await fetch(mesh.url('/productpage'));
      return false;
    } catch {
      return true;
    }
  });
  const p = mesh.ports;
  const again = await mesh.run([
    'up',
    '-d',
    '--http-port',
    String(p.http),
    '--https-port',
    String(p.https),
    '--tcp-port',
    String(p.tcp),
  ]);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.match(again.stdout, /Mesh ready/);
  const after = await countVersions(mesh, 10);
  assert.deepEqual(after, { v1: 10, v2: 0, v3: 0, unknown: 0 });
});

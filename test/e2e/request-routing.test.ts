// Istio's "Request routing" task on the local mesh, with Istio's sample files: all traffic to v1,
// then reviews v2 for the signed-in user jason (productpage sends `end-user: jason`) and v1 for
// everyone else.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { countVersions, type Mesh, SAMPLES, upMesh } from './helpers.ts';

const NET = join(SAMPLES, 'bookinfo', 'networking');

test('request routing: all-v1, then jason → v2 and everyone else → v1', async (t) => {
  const mesh = await upMesh(t, [
    join(SAMPLES, 'bookinfo', 'platform', 'kube', 'bookinfo.yaml'),
    join(NET, 'bookinfo-gateway.yaml'),
  ]);
  await mesh.apply(join(NET, 'destination-rule-all.yaml'), 'productpage');
  await mesh.apply(join(NET, 'virtual-service-all-v1.yaml'), 'productpage');
  assert.deepEqual(await countVersions(mesh, 30), { v1: 30, v2: 0, v3: 0, unknown: 0 });

  // productpage's calls to reviews stay on kept-alive connections: the new routes reach them.
  await mesh.apply(join(NET, 'virtual-service-reviews-test-v2.yaml'), 'productpage');
  await jasonSeesV2(mesh);
});

async function jasonSeesV2(mesh: Mesh): Promise<void> {
  const login = await fetch(mesh.url('/login'), {
    method: 'POST',
    body: 'username=jason&passwd=jason',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    redirect: 'manual',
  });
  const cookie = login.headers.get('set-cookie')?.split(';')[0];
  assert.ok(cookie, `login sets a session cookie (status ${login.status})`);
  assert.deepEqual(await countVersions(mesh, 30, cookie), { v1: 0, v2: 30, v3: 0, unknown: 0 });
  assert.deepEqual(await countVersions(mesh, 30), { v1: 30, v2: 0, v3: 0, unknown: 0 });
}

// Istio's "Mirroring" task on the local mesh: httpbin v1 and v2 (samples/httpbin/httpbin-v1-v2.yaml),
// all traffic to v1; then the same route mirroring 100 % to v2. Requests are sent from the curl pod
// through its sidecar; each app's log (`<METHOD> <path> host=<Host>`) shows who saw what: v1
// answers every request, v2 sees each one as a copy whose host ends in `-shadow`.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, until, upMesh } from './helpers.ts';
import { appLog, applyYaml, fromPod, podOf } from './resilience-helpers.ts';

const SUBSETS = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: httpbin
spec:
  host: httpbin
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
`;

const ROUTE = (mirror: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts:
  - httpbin
  http:
  - route:
    - destination:
        host: httpbin
        subset: v1
      weight: 100
${mirror}`;

const MIRROR = `    mirror:
      host: httpbin
      subset: v2
    mirrorPercentage:
      value: 100.0
`;

test('mirroring: v1 answers, v2 sees a -shadow copy of each request', async (t) => {
  const mesh = await upMesh(t, [
    join(ROOT, 'samples', 'httpbin', 'httpbin-v1-v2.yaml'),
    join(ROOT, 'samples', 'curl', 'curl.yaml'),
  ]);
  await applyYaml(mesh, SUBSETS, 'curl');
  await applyYaml(mesh, ROUTE(''), 'curl');
  const curl = podOf(mesh, 'curl');
  const v1 = podOf(mesh, 'httpbin-v1');
  const v2 = podOf(mesh, 'httpbin-v2');
  const seen = (pod: typeof v1, path: string) =>
    appLog(mesh, pod).filter((l) => l.startsWith(`GET ${path} `));

  await t.test('all traffic to v1, none to v2', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await fromPod(curl, `http://httpbin:8000/headers?plain=${i}`);
      assert.equal(r.status, 200);
      assert.deepEqual(seen(v1, `/headers?plain=${i}`), [`GET /headers?plain=${i} host=httpbin:8000`]);
    }
    assert.equal(appLog(mesh, v2).filter((l) => l.startsWith('GET ')).length, 0, 'v2 saw nothing');
  });

  await t.test('mirrored 100 % to v2: v1 answers, v2 gets each with a -shadow host', async () => {
    await applyYaml(mesh, ROUTE(MIRROR), 'curl');
    for (let i = 0; i < 5; i++) {
      const r = await fromPod(curl, `http://httpbin:8000/headers?mirrored=${i}`);
      assert.equal(r.status, 200);
      assert.match(r.body, /"Host": "httpbin:8000"/, 'the answer is to the original request');
      assert.deepEqual(seen(v1, `/headers?mirrored=${i}`), [`GET /headers?mirrored=${i} host=httpbin:8000`]);
    }
    // Mirrored requests are fire-and-forget: wait for the copies to land.
    await until('v2 logged the 5 mirrored requests', 5000, async () =>
      [0, 1, 2, 3, 4].every((i) => seen(v2, `/headers?mirrored=${i}`).length === 1),
    );
    for (let i = 0; i < 5; i++) {
      const [line] = seen(v2, `/headers?mirrored=${i}`);
      assert.match(line!, /^GET \/headers\?mirrored=\d host=httpbin-shadow(:8000)?$/, line);
    }
    const plain = appLog(mesh, v2).filter((l) => l.startsWith('GET ') && !/host=\S*-shadow/.test(l));
    assert.deepEqual(plain, [], 'v2 answered no request of its own');
  });
});

// Retries on the local mesh: an upstream failing every other request with a 500 (resilience-app's
// /flaky, one pod). Istio's default retry policy (503 and connection failures) leaves half the
// calls failed; a route with `retries: {attempts: 3, retryOn: 5xx}` makes every call succeed,
// the upstream seeing the extra attempts. Requests go from the curl pod through its sidecar.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, upMesh } from './helpers.ts';
import { appLog, applyYaml, appManifest, fromPod, manifestFile, podOf, stat } from './resilience-helpers.ts';

const CLUSTER = 'cluster.outbound|8000||flaky.default.svc.cluster.local';

const RETRIES = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: flaky
spec:
  hosts:
  - flaky
  http:
  - route:
    - destination:
        host: flaky
    retries:
      attempts: 3
      perTryTimeout: 2s
      retryOn: 5xx
`;

test('retries: attempts 3 on 5xx turn a flaky upstream into a reliable one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-e2e-retries-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const mesh = await upMesh(t, [
    manifestFile(dir, 'flaky.yaml', appManifest('flaky', 1)),
    join(ROOT, 'samples', 'curl', 'curl.yaml'),
  ]);
  const curl = podOf(mesh, 'curl');
  const flaky = podOf(mesh, 'flaky');
  const calls = () => appLog(mesh, flaky).filter((l) => l.startsWith('GET /flaky')).length;

  await t.test('without a retry rule, half the calls fail', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await fromPod(curl, 'http://flaky:8000/flaky')).status);
    assert.deepEqual(statuses, [500, 200, 500, 200, 500, 200, 500, 200, 500, 200]);
    assert.equal(calls(), 10, 'a 500 is not retried by the default policy');
  });

  await t.test('with attempts: 3 on 5xx, every call succeeds', async () => {
    await applyYaml(mesh, RETRIES, 'curl');
    const before = calls();
    const retriesBefore = await stat(curl, `${CLUSTER}.upstream_rq_retry`);
    for (let i = 0; i < 10; i++) {
      const r = await fromPod(curl, 'http://flaky:8000/flaky');
      assert.deepEqual([r.status, r.body.trim()], [200, flaky.name], `call ${i}`);
    }
    // The upstream alternates, so calls that landed on a failing turn took a second attempt.
    const attempts = calls() - before;
    t.diagnostic(`10 calls took ${attempts} attempts`);
    assert.ok(attempts >= 15 && attempts <= 20, `${attempts} attempts for 10 calls`);
    assert.equal((await stat(curl, `${CLUSTER}.upstream_rq_retry`)) - retriesBefore, attempts - 10);
  });
});

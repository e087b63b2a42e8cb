// Outlier detection on the local mesh (the outlierDetection half of Istio's circuit-breaking task):
// two pods behind one service, a DestinationRule ejecting a pod after 3 consecutive 5xx for a
// base ejection time of 8 s. One pod starts answering 500: after its third 500 it is ejected and
// the healthy pod takes all traffic; healed, it is back in the load balancer once the ejection
// time is over. Requests go from the curl pod through its sidecar.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, upMesh, weft } from './helpers.ts';
import {
  applyYaml,
  appManifest,
  fromPod,
  getLocal,
  manifestFile,
  podOf,
  podsOf,
  sleep,
  stat,
} from './resilience-helpers.ts';

const CLUSTER = 'outbound|8000||backend.default.svc.cluster.local';

const OUTLIER = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: backend
spec:
  host: backend
  trafficPolicy:
    outlierDetection:
      consecutive5xxErrors: 3
      interval: 500ms
      baseEjectionTime: 8s
      maxEjectionPercent: 50
`;

test('outlier detection: a pod answering 500 is ejected, and back after the ejection time', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-e2e-outlier-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const mesh = await upMesh(t, [
    manifestFile(dir, 'backend.yaml', appManifest('backend', 2)),
    join(ROOT, 'samples', 'curl', 'curl.yaml'),
  ]);
  await applyYaml(mesh, OUTLIER, 'curl');
  const curl = podOf(mesh, 'curl');
  const [bad, good] = podsOf(mesh, 'backend');
  assert.ok(bad && good, 'two backend pods');

  // Both pods answer while healthy.
  const answered = new Set<string>();
  for (let i = 0; i < 40 && answered.size < 2; i++) {
    const r = await fromPod(curl, 'http://backend:8000/');
    assert.equal(r.status, 200);
    answered.add(r.body.trim());
  }
  assert.deepEqual([...answered].sort(), [bad.name, good.name].sort());

  await getLocal(bad.ports[0]!.app, '/control/fail');
  let failures = 0;
  let ejectedAt = 0;
  for (let i = 0; i < 60 && failures < 3; i++) {
    const r = await fromPod(curl, 'http://backend:8000/');
    if (r.status === 500) {
      assert.equal(r.body.trim(), bad.name);
      if (++failures === 3) ejectedAt = performance.now();
    } else assert.equal(r.body.trim(), good.name);
  }
  assert.equal(failures, 3, 'the failing pod answered three 500s');

  await t.test('ejected: every request goes to the healthy pod', async () => {
    assert.equal(await stat(curl, `cluster.${CLUSTER}.outlier_detection.ejections_active`), 1);
    const clusters = await getLocal(curl.admin, '/clusters');
    assert.match(
      clusters,
      new RegExp(
        `${CLUSTER.replace(/[|.]/g, '\\$&')}::127\\.0\\.0\\.1:${bad.ports[0]!.inbound}::health_flags::/failed_outlier_check`,
      ),
    );
    for (let i = 0; i < 10; i++) {
      const r = await fromPod(curl, 'http://backend:8000/');
      assert.deepEqual([r.status, r.body.trim()], [200, good.name]);
    }
    // `weft proxy-config endpoint` reads the sidecar's own /clusters, as istioctl does: the
    // ejected host's OUTLIER CHECK is FAILED, the other one's OK.
    const pc = await weft(['proxy-config', 'endpoint', curl.name, '--state-dir', mesh.stateDir]);
    assert.equal(pc.code, 0, pc.stderr);
    const row = (port: number) =>
      pc.stdout.split('\n').find((l) => l.startsWith(`127.0.0.1:${port} `) && l.endsWith(CLUSTER));
    assert.match(row(bad.ports[0]!.inbound) ?? '', /^\S+\s+HEALTHY\s+FAILED\s+/, pc.stdout);
    assert.match(row(good.ports[0]!.inbound) ?? '', /^\S+\s+HEALTHY\s+OK\s+/, pc.stdout);
    // `all`: the four tables; `bootstrap`: the sidecar's own bootstrap, from its /config_dump.
    const all = await weft(['proxy-config', 'all', curl.name, '--state-dir', mesh.stateDir]);
    assert.equal(all.code, 0, all.stderr);
    for (const header of [
      /^SERVICE FQDN\s+PORT/m,
      /^ADDRESSES\s+PORT/m,
      /^NAME\s+VHOST NAME/m,
      /^ENDPOINT\s+STATUS/m,
    ])
      assert.match(all.stdout, header);
    // With no pilot to ask (as when a sidecar lost it), the sidecar itself still answers.
    const alone = await weft([
      'proxy-config',
      'endpoint',
      curl.name,
      '--state-dir',
      mesh.stateDir,
      '--pilot',
      'http://127.0.0.1:9',
    ]);
    assert.equal(alone.code, 0, alone.stderr);
    assert.match(alone.stderr, /warning: no pilot answers at http:\/\/127\.0\.0\.1:9/);
    // The DESTINATION RULE column is the cluster's own istio.config metadata: pilot or not.
    for (const from of [[], ['--pilot', 'http://127.0.0.1:9']]) {
      const cl = await weft(['proxy-config', 'cluster', curl.name, '--state-dir', mesh.stateDir, ...from]);
      assert.equal(cl.code, 0, cl.stderr);
      assert.match(
        cl.stdout,
        /^backend\.default\.svc\.cluster\.local\s+8000\s+-\s+outbound\s+EDS\s+backend\.default$/m,
      );
    }
    assert.match(
      alone.stdout,
      new RegExp(`^127\\.0\\.0\\.1:${bad.ports[0]!.inbound}\\s+HEALTHY\\s+FAILED`, 'm'),
    );
    const boot = await weft(['proxy-config', 'bootstrap', curl.name, '--state-dir', mesh.stateDir]);
    assert.equal(boot.code, 0, boot.stderr);
    assert.match(
      JSON.parse(boot.stdout).node.id,
      new RegExp(`^sidecar~127\\.0\\.0\\.1~${curl.name}\\.default~`),
    );
  });

  // 8 s, not Istio's task's 3 m nor a tighter 3 s: the checks above start five `weft` processes
  // while the pod is out, which on a loaded 2-core machine took longer than 3 s.
  await t.test('healed, it is back after the 8 s ejection time', async () => {
    await getLocal(bad.ports[0]!.app, '/control/heal');
    let backAfter = 0;
    while (performance.now() - ejectedAt < 15_000) {
      const r = await fromPod(curl, 'http://backend:8000/');
      assert.equal(r.status, 200);
      if (r.body.trim() === bad.name) {
        backAfter = (performance.now() - ejectedAt) / 1000;
        break;
      }
      await sleep(100);
    }
    t.diagnostic(`the ejected pod answered again ${backAfter.toFixed(2)} s after its ejection`);
    assert.ok(backAfter >= 7.7 && backAfter <= 13, `back after ${backAfter.toFixed(2)} s, expected 8–8.5 s`);
    assert.equal(await stat(curl, `cluster.${CLUSTER}.outlier_detection.ejections_active`), 0);
  });
});

// Istio's "Circuit breaking" task on the local mesh: httpbin behind a DestinationRule allowing one
// connection, one pending request and one request per connection; fortio (`weft load`, run in the
// fortio pod by `weft exec` so its calls go through that pod's sidecar) trips the breaker with 2
// and then 3 concurrent connections, and the client sidecar's stats count the overflows.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { execArgv } from '../../src/cli/exec.ts';
import { ROOT, upMesh } from './helpers.ts';
import { applyYaml, podOf, stat } from './resilience-helpers.ts';

const CLUSTER = 'cluster.outbound|8000||httpbin.default.svc.cluster.local';

const BREAKER = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: httpbin
spec:
  host: httpbin
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: 1
      http:
        http1MaxPendingRequests: 1
        maxRequestsPerConnection: 1
    outlierDetection:
      consecutive5xxErrors: 1
      interval: 1s
      baseEjectionTime: 3m
      maxEjectionPercent: 100
`;

/** fortio's "Code 200 : 17 (85.0 %)" lines. */
function codes(report: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of report.matchAll(/^Code\s+(-?\d+)\s*:\s*(\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

test('weft exec runs fortio load and curl as weft load, and curl as the built-in curl', () => {
  const rt = { SAMPLE_MAIN: '/s/main.ts', WEFT_BIN: '/w/weft.js' };
  const node = process.execPath;
  assert.deepEqual(execArgv(['fortio', 'load', '-c', '2', 'http://h/'], rt), [
    node,
    '/w/weft.js',
    'load',
    '-c',
    '2',
    'http://h/',
  ]);
  assert.deepEqual(execArgv(['weft', 'load', 'http://h/'], rt), [node, '/w/weft.js', 'load', 'http://h/']);
  assert.deepEqual(execArgv(['fortio', 'curl', 'http://h/'], rt), [
    node,
    '/w/weft.js',
    'load',
    '-curl',
    'http://h/',
  ]);
  assert.deepEqual(execArgv(['curl', '-s', 'http://h/'], rt), [
    node,
    '/s/main.ts',
    'curl',
    '-s',
    'http://h/',
  ]);
  assert.deepEqual(execArgv(['env'], rt), ['env']);
});

test('circuit breaking: 1 connection, 1 pending request; fortio trips the breaker', async (t) => {
  const mesh = await upMesh(t, [
    join(ROOT, 'samples', 'httpbin', 'httpbin.yaml'),
    join(ROOT, 'samples', 'fortio', 'fortio.yaml'),
  ]);
  await applyYaml(mesh, BREAKER, 'fortio');
  const fortio = podOf(mesh, 'fortio-deploy');

  const one = await mesh.run(['exec', 'fortio', '--', 'fortio', 'curl', 'http://httpbin:8000/get']);
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /^HTTP\/1\.1 200/);
  assert.match(one.stdout, /"url": "http:\/\/httpbin:8000\/get"/);

  const two = await mesh.run([
    'exec',
    'fortio',
    '--',
    'fortio',
    'load',
    ...['-c', '2', '-qps', '0', '-n', '20', '-loglevel', 'Warning'],
    'http://httpbin:8000/get',
  ]);
  assert.equal(two.code, 0, two.stderr);
  const c2 = codes(two.stdout);
  t.diagnostic(`-c 2 -n 20: ${JSON.stringify(c2)}`);
  assert.equal((c2['200'] ?? 0) + (c2['503'] ?? 0), 20, two.stdout);
  assert.ok((c2['200'] ?? 0) > 0, `some calls succeed: ${JSON.stringify(c2)}`);

  const three = await mesh.run([
    'exec',
    'fortio',
    '--',
    'weft',
    'load',
    ...['-c', '3', '-qps', '0', '-n', '30', '-loglevel', 'Warning'],
    'http://httpbin:8000/get',
  ]);
  assert.equal(three.code, 0, three.stderr);
  const c3 = codes(three.stdout);
  t.diagnostic(`-c 3 -n 30: ${JSON.stringify(c3)}`);
  assert.equal((c3['200'] ?? 0) + (c3['503'] ?? 0), 30, three.stdout);
  assert.ok((c3['200'] ?? 0) > 0, `some calls succeed: ${JSON.stringify(c3)}`);
  // Three calls at once against one connection and one pending slot: the third overflows.
  assert.ok((c3['503'] ?? 0) > 0, `-c 3 trips the breaker: ${JSON.stringify(c3)}`);
  assert.ok(
    (c2['503'] ?? 0) + (c3['503'] ?? 0) > 0 && (c3['503'] ?? 0) / 30 >= (c2['503'] ?? 0) / 20 - 0.15,
    `-c 3 fails at least about as often as -c 2: ${JSON.stringify({ c2, c3 })}`,
  );

  const overflow = await stat(fortio, `${CLUSTER}.upstream_rq_pending_overflow`);
  t.diagnostic(`${CLUSTER}.upstream_rq_pending_overflow: ${overflow}`);
  assert.ok(overflow > 0, 'the client sidecar counts pending overflows');
  assert.ok(overflow >= (c3['503'] ?? 0), `overflow ${overflow} counts every 503 of the -c 3 run`);
});

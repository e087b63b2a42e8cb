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

  // Each run: fortio's status codes, all either 200 or the sidecar's 503, some 200.
  const load = async (verb: 'fortio' | 'weft', c: number, n: number): Promise<Record<string, number>> => {
    const r = await mesh.run([
      'exec',
      'fortio',
      '--',
      verb,
      'load',
      ...['-c', String(c), '-qps', '0', '-n', String(n), '-loglevel', 'Warning'],
      'http://httpbin:8000/get',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const got = codes(r.stdout);
    t.diagnostic(`-c ${c} -n ${n}: ${JSON.stringify(got)}`);
    assert.equal((got['200'] ?? 0) + (got['503'] ?? 0), n, r.stdout);
    assert.ok((got['200'] ?? 0) > 0, `some calls succeed: ${JSON.stringify(got)}`);
    return got;
  };
  const shed = (runs: Record<string, number>[]): number => runs.reduce((s, r) => s + (r['503'] ?? 0), 0);

  // -c 2: the sidecar's 2 workers give each connection a pool of its own, so a call overflows only
  // when it arrives while the other worker's call waits for its new connection: some 503s, a small
  // share (10–30 % a run, about 18 % on average here; Istio's task shows 5–15 %; one worker, as
  // before, shed 45–50 %). At least 3 runs, more (up to 6) until one 503 was seen, so that "some"
  // cannot flake; the share is over all of them.
  const c2: Record<string, number>[] = [];
  while (c2.length < 3 || (c2.length < 6 && shed(c2) === 0)) c2.push(await load('fortio', 2, 20));
  const c2Share = shed(c2) / (20 * c2.length);
  t.diagnostic(`-c 2: ${shed(c2)} of ${20 * c2.length} shed (${(100 * c2Share).toFixed(1)} %)`);
  assert.ok(shed(c2) > 0, `-c 2 trips the breaker at times: ${JSON.stringify(c2)}`);
  assert.ok(c2Share <= 0.35, `-c 2 sheds well under half: ${JSON.stringify(c2)}`);

  // -c 3: two connections share a worker, and the third's calls find the pending slot taken: more
  // (50–60 % here; Istio's task shows 35–65 %). Three runs, compared as sums.
  const c3: Record<string, number>[] = [];
  for (let i = 0; i < 3; i++) c3.push(await load('weft', 3, 30));
  // A run on a loaded machine can see the client's three calls never overlap (seen in full suite
  // runs: 30 of 30 answered, or 18, 0 and 2 shed): two of three runs must trip, and the share is
  // taken over those that did — a run whose calls never overlapped says nothing about the breaker.
  const trippedRuns = c3.filter((r) => (r['503'] ?? 0) > 0);
  const c3Share = shed(trippedRuns) / (30 * Math.max(1, trippedRuns.length));
  t.diagnostic(
    `-c 3: ${shed(c3)} of ${30 * c3.length} shed; ${(100 * c3Share).toFixed(1)} % in the ${trippedRuns.length} runs that tripped`,
  );
  assert.ok(trippedRuns.length >= 2, `at least two -c 3 runs trip the breaker: ${JSON.stringify(c3)}`);
  assert.ok(c3Share > c2Share + 0.1, `-c 3 sheds clearly more than -c 2: ${JSON.stringify({ c2, c3 })}`);

  // Every 503 was the client sidecar's own circuit breaker: one pending overflow each.
  const overflow = await stat(fortio, `${CLUSTER}.upstream_rq_pending_overflow`);
  t.diagnostic(`${CLUSTER}.upstream_rq_pending_overflow: ${overflow}`);
  assert.ok(overflow > 0, 'the client sidecar counts pending overflows');
  assert.equal(overflow, shed(c2) + shed(c3), 'each 503 is one pending overflow of the client sidecar');
});

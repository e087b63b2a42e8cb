// The pilot's apply/delete/get API over real HTTP, and the CLI verbs that use it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { unreachableMessage } from '../../src/cli/pilot.ts';
import { baseUrl, runCli, SAMPLES, testPilot } from './helpers.ts';

const DR_ALL = readFileSync(new URL('bookinfo/networking/destination-rule-all.yaml', SAMPLES), 'utf8');
const VS_ALL_V1 = new URL('bookinfo/networking/virtual-service-all-v1.yaml', SAMPLES);

const INVALID_VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - match:
    - uri:
        regex: "(?=lookahead)"
    route:
    - destination:
        host: reviews
`;

async function post(base: string, path: string, body: string, type = 'application/yaml') {
  const res = await fetch(base + path, { method: 'POST', body, headers: { 'content-type': type } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('apply creates, reports unchanged and configured like kubectl, and writes the config dir', async (t) => {
  const pilot = await testPilot(t);
  const base = baseUrl(pilot);
  const first = await post(base, '/apis/v1/apply?source=dr.yaml', DR_ALL);
  assert.equal(first.status, 200);
  const actions = (first.body['results'] as { name: string; action: string }[]).map(
    (r) => `${r.name}:${r.action}`,
  );
  assert.deepEqual(actions, ['productpage:created', 'reviews:created', 'ratings:created', 'details:created']);
  assert.equal(pilot.store.snapshot().ofKind('DestinationRule').length, 4);
  assert.equal(readdirSync(pilot.source.dir).filter((f) => f.endsWith('.yaml')).length, 4);

  const again = await post(base, '/apis/v1/apply', DR_ALL);
  assert.ok((again.body['results'] as { action: string }[]).every((r) => r.action === 'unchanged'));
  const version = pilot.store.snapshot().version;

  const edited = DR_ALL.replace('name: v3', 'name: v3b');
  const third = await post(base, '/apis/v1/apply', edited);
  const byName = Object.fromEntries(
    (third.body['results'] as { name: string; action: string }[]).map((r) => [r.name, r.action]),
  );
  assert.equal(byName['reviews'], 'configured');
  assert.equal(byName['details'], 'unchanged');
  assert.ok(pilot.store.snapshot().version > version);
});

test('an invalid document is refused with file:line issues and nothing is written', async (t) => {
  const pilot = await testPilot(t);
  const base = baseUrl(pilot);
  await post(base, '/apis/v1/apply', DR_ALL);
  const before = pilot.store.snapshot().version;
  const files = readdirSync(pilot.source.dir).sort();
  // One valid document before the invalid one: the whole request must still be refused.
  const body = `${DR_ALL.split('---')[0]}---\n${INVALID_VS}`;
  const res = await post(base, '/apis/v1/apply?source=bad.yaml', body);
  assert.equal(res.status, 422);
  const issues = res.body['issues'] as { file: string; line: number; path: string; message: string }[];
  assert.ok(issues.length >= 1);
  assert.equal(issues[0]!.file, 'bad.yaml');
  assert.ok(issues[0]!.line > 10, `line ${issues[0]!.line} should point into the second document`);
  assert.match(issues[0]!.path, /regex/);
  assert.equal(pilot.store.snapshot().version, before);
  assert.deepEqual(readdirSync(pilot.source.dir).sort(), files);
});

test('get lists and shows resources; unknown kinds and names are clear errors', async (t) => {
  const pilot = await testPilot(t);
  const base = baseUrl(pilot);
  await post(base, '/apis/v1/apply', DR_ALL);
  const list = (await (await fetch(`${base}/apis/v1/resources?kind=dr&namespace=default`)).json()) as {
    kind: string;
    items: { object: { metadata: { name: string; creationTimestamp: string } } }[];
  };
  assert.equal(list.kind, 'DestinationRule');
  assert.deepEqual(
    list.items.map((i) => i.object.metadata.name),
    ['details', 'productpage', 'ratings', 'reviews'],
  );
  assert.ok(list.items[0]!.object.metadata.creationTimestamp);
  const one = await fetch(`${base}/apis/v1/resources?kind=destinationrules.networking.istio.io&name=reviews`);
  assert.equal(one.status, 200);
  const missing = await fetch(`${base}/apis/v1/resources?kind=vs&name=nope&namespace=default`);
  assert.equal(missing.status, 404);
  assert.match(
    ((await missing.json()) as { error: string }).error,
    /virtualservice.networking.istio.io "nope" not found/,
  );
  const unknown = await fetch(`${base}/apis/v1/resources?kind=frobnicator`);
  assert.equal(unknown.status, 400);
});

test('delete by YAML and by kind/name', async (t) => {
  const pilot = await testPilot(t);
  const base = baseUrl(pilot);
  await post(base, '/apis/v1/apply', DR_ALL);
  const byYaml = await post(base, '/apis/v1/delete', DR_ALL.split('---')[0]!);
  assert.deepEqual(
    (byYaml.body['results'] as { name: string; action: string }[]).map((r) => `${r.name}:${r.action}`),
    ['productpage:deleted'],
  );
  const byName = await post(
    base,
    '/apis/v1/delete',
    JSON.stringify({ kind: 'dr', name: 'reviews', namespace: 'default' }),
    'application/json',
  );
  assert.equal((byName.body['results'] as { action: string }[])[0]!.action, 'deleted');
  const again = await post(
    base,
    '/apis/v1/delete',
    JSON.stringify({ kind: 'dr', name: 'reviews' }),
    'application/json',
  );
  assert.equal((again.body['results'] as { action: string }[])[0]!.action, 'not found');
  assert.deepEqual(
    pilot.store
      .snapshot()
      .ofKind('DestinationRule')
      .map((r) => r.key.name),
    ['details', 'ratings'],
  );
  assert.ok(!existsSync(`${pilot.source.dir}/destinationrule.default.reviews.yaml`));
});

test('weft apply/get/delete talk to the pilot and print like kubectl', async (t) => {
  const pilot = await testPilot(t);
  const flag = ['--pilot', baseUrl(pilot)];
  const applied = await runCli(['apply', '-f', VS_ALL_V1.pathname, ...flag]);
  assert.equal(applied.code, 0, applied.err);
  assert.match(applied.out, /^virtualservice\.networking\.istio\.io\/reviews created$/m);
  const again = await runCli(['apply', '-f', VS_ALL_V1.pathname, ...flag]);
  assert.match(again.out, /^virtualservice\.networking\.istio\.io\/reviews unchanged$/m);

  const table = await runCli(['get', 'virtualservices', ...flag]);
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /^NAME\s+GATEWAYS\s+HOSTS\s+AGE$/m);
  assert.match(table.out, /^reviews\s+\["reviews"\]\s+\d+s$/m);
  const yaml = await runCli(['get', 'vs', 'reviews', '-o', 'yaml', ...flag]);
  assert.match(yaml.out, /^kind: VirtualService$/m);
  assert.match(yaml.out, /subset: v1/);

  const bad = await runCli(['apply', '-f', '-', ...flag], INVALID_VS);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^-:10: VirtualService reviews: spec\.http\[0\]\.match\[0\]\.uri\.regex: /m);
  assert.match(bad.err, /nothing was applied/);

  const deleted = await runCli(['delete', 'vs', 'reviews', ...flag]);
  assert.equal(deleted.out, 'virtualservice.networking.istio.io "reviews" deleted\n');
  const gone = await runCli(['delete', 'vs', 'reviews', ...flag]);
  assert.equal(gone.code, 1);
  assert.match(gone.err, /NotFound.*"reviews" not found/);
  const byFile = await runCli(['delete', '-f', VS_ALL_V1.pathname, '--ignore-not-found', ...flag]);
  assert.equal(byFile.code, 0, byFile.err);
  assert.equal(pilot.store.snapshot().ofKind('VirtualService').length, 0);
});

test('a pilot that is not running is a clear message and exit 1', async () => {
  const res = await runCli(['get', 'vs', '--pilot', 'http://127.0.0.1:1']);
  assert.equal(res.code, 1);
  assert.match(
    res.err,
    /no weft pilot answers at http:\/\/127\.0\.0\.1:1 \([^)]+\), the address --pilot gave\.\n.*weft up -d -f <manifests>/,
  );
});

/** A state dir that says a mesh runs here (this process stands in for its supervisor). */
function fakeMesh(t: TestContext, pilotUrl: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const state = {
    version: 1,
    stateDir: dir,
    supervisorPid: process.pid,
    phase: 'ready',
    pilot: { url: pilotUrl, xdsPort: 0, httpPort: 0 },
    pods: [],
  };
  writeFileSync(join(dir, 'state.json'), JSON.stringify(state));
  return dir;
}

/** Runs `fn` with $WEFT_PILOT / $WEFT_STATE_DIR set as given (unset when undefined). */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (v: Record<string, string | undefined>) => {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) delete process.env[k];
      else process.env[k] = x;
    }
  };
  set(vars);
  try {
    return await fn();
  } finally {
    set(saved);
  }
}

test('without --pilot the verbs use the pilot the running mesh recorded in its state dir', async (t) => {
  const pilot = await testPilot(t);
  const dir = fakeMesh(t, baseUrl(pilot));
  const byFlag = await withEnv({ WEFT_PILOT: undefined }, () =>
    runCli(['apply', '-f', VS_ALL_V1.pathname, '--state-dir', dir]),
  );
  assert.equal(byFlag.code, 0, byFlag.err);
  assert.equal(pilot.store.snapshot().ofKind('VirtualService').length, 4);
  const byEnv = await withEnv({ WEFT_PILOT: undefined, WEFT_STATE_DIR: dir }, () => runCli(['get', 'vs']));
  assert.equal(byEnv.code, 0, byEnv.err);
  assert.match(byEnv.out, /^reviews\s/m);
  // $WEFT_PILOT wins over the state dir.
  const env = await withEnv({ WEFT_PILOT: 'http://127.0.0.1:1' }, () =>
    runCli(['get', 'vs', '--state-dir', dir]),
  );
  assert.equal(env.code, 1);
  assert.match(env.err, /the address \$WEFT_PILOT gives/);
});

test('a recorded pilot that does not answer, and no pilot at all, say how to get one', async (t) => {
  const dir = fakeMesh(t, 'http://127.0.0.1:1');
  const res = await withEnv({ WEFT_PILOT: undefined }, () => runCli(['get', 'vs', '--state-dir', dir]));
  assert.equal(res.code, 1);
  assert.match(res.err, /the pilot of the mesh running from .*\n.*weft status --state-dir/);
  const none = unreachableMessage(
    { url: 'http://127.0.0.1:15014', source: 'default', stateDir: '.weft' },
    'ECONNREFUSED',
  );
  assert.match(none, /no mesh is running from \.weft, and neither --pilot nor \$WEFT_PILOT is set/);
  assert.match(none, /weft up -d -f <manifests>/);
  assert.match(none, /--state-dir <dir> or set \$WEFT_STATE_DIR/);
});

test('weft apply prints a warning naming a DestinationRule tls mode Weft cannot honour, and applies it', async (t) => {
  const pilot = await testPilot(t);
  const dr =
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews}\nspec:\n  host: reviews\n  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n';
  const applied = await runCli(['apply', '-f', '-', '--pilot', baseUrl(pilot)], dr);
  assert.equal(applied.code, 0, applied.err);
  assert.match(
    applied.out,
    /^-:7: warning: DestinationRule reviews: spec\.trafficPolicy\.tls\.mode: tls mode ISTIO_MUTUAL is not honoured by Weft yet: connections to reviews stay plaintext/m,
  );
  assert.match(applied.out, /^destinationrule\.networking\.istio\.io\/reviews created$/m);
});

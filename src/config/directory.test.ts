import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseYaml } from '../api/index.ts';
import { DirectorySource } from './directory.ts';
import { ConfigStore } from './store.ts';

const REVIEWS_V1 = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
`;

const BROKEN = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: nope
`;

function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'weft-configdir-'));
  const store = new ConfigStore();
  const problems: string[] = [];
  const warnings: string[] = [];
  const source = new DirectorySource(dir, store, {
    onIssues: (file, issues) => problems.push(`${file}: ${issues.length}`),
    onWarning: (message) => warnings.push(message),
    debounceMs: 20,
  });
  t.after(() => {
    source.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, store, source, problems, warnings };
}

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('files present at start are loaded; apply writes atomically and updates the store at once', (t) => {
  const { dir, store, source } = setup(t);
  writeFileSync(join(dir, 'reviews.yaml'), REVIEWS_V1);
  source.start();
  assert.equal(store.snapshot().ofKind('VirtualService').length, 1);
  const { docs } = parseYaml(
    REVIEWS_V1.replace('subset: v1', 'subset: v2').replace('name: reviews', 'name: ratings'),
    '-',
  );
  source.apply(docs);
  assert.equal(store.snapshot().ofKind('VirtualService').length, 2);
  assert.ok(readdirSync(dir).includes('virtualservice.default.ratings.yaml'));
  assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')));
});

test('re-applying a resource rewrites the file that holds it; delete removes it', (t) => {
  const { dir, store, source } = setup(t);
  writeFileSync(join(dir, 'reviews.yaml'), REVIEWS_V1);
  source.start();
  source.apply(parseYaml(REVIEWS_V1.replace('subset: v1', 'subset: v3'), '-').docs);
  assert.match(readFileSync(join(dir, 'reviews.yaml'), 'utf8'), /subset: v3/);
  assert.deepEqual(readdirSync(dir), ['reviews.yaml']);
  const vs = store.snapshot().ofKind('VirtualService')[0]!;
  assert.deepEqual(source.delete([vs.key]), { ok: true, removed: [vs.key] });
  assert.equal(store.snapshot().resources.size, 0);
  assert.deepEqual(readdirSync(dir), []);
});

test('a hand edit that breaks a file keeps its last good resources and reports the problem', async (t) => {
  const { dir, store, source, problems } = setup(t);
  writeFileSync(join(dir, 'reviews.yaml'), REVIEWS_V1);
  source.start();
  const before = store.snapshot().version;
  writeFileSync(join(dir, 'reviews.yaml'), BROKEN);
  await waitFor(() => problems.length > 0);
  assert.equal(store.snapshot().version, before, 'store unchanged');
  assert.equal(store.snapshot().ofKind('VirtualService').length, 1);
  assert.equal(source.issues.size, 1);
  // Fixing the file brings the new content in.
  writeFileSync(join(dir, 'reviews.yaml'), REVIEWS_V1.replace('subset: v1', 'subset: v2'));
  await waitFor(() => store.snapshot().version > before);
  assert.equal(source.issues.size, 0);
});

test('apply into a file whose on-disk version is broken leaves that file alone and warns', async (t) => {
  const { dir, store, source, problems, warnings } = setup(t);
  writeFileSync(join(dir, 'reviews.yaml'), REVIEWS_V1);
  source.start();
  writeFileSync(join(dir, 'reviews.yaml'), BROKEN);
  await waitFor(() => problems.length > 0);
  source.apply(parseYaml(REVIEWS_V1.replace('subset: v1', 'subset: v3'), '-').docs);
  assert.equal(readFileSync(join(dir, 'reviews.yaml'), 'utf8'), BROKEN, 'the unfinished hand edit is kept');
  assert.match(readFileSync(join(dir, 'virtualservice.default.reviews.yaml'), 'utf8'), /subset: v3/);
  const vs = store.snapshot().ofKind('VirtualService');
  assert.equal(vs.length, 1);
  assert.match(JSON.stringify(vs[0]!.body), /"subset":"v3"/);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /reviews\.yaml has errors/);
});

test('delete of a resource whose file is broken on disk is refused: the edit and the running config are kept', async (t) => {
  const { dir, store, source, problems } = setup(t);
  writeFileSync(join(dir, 'reviews.yaml'), REVIEWS_V1);
  writeFileSync(join(dir, 'ratings.yaml'), REVIEWS_V1.replace('name: reviews', 'name: ratings'));
  source.start();
  writeFileSync(join(dir, 'reviews.yaml'), BROKEN);
  await waitFor(() => problems.length > 0);
  const version = store.snapshot().version;
  const keys = store
    .snapshot()
    .ofKind('VirtualService')
    .map((r) => r.key);
  assert.equal(keys.length, 2);
  const outcome = source.delete(keys);
  assert.equal(outcome.ok, false);
  assert.ok(!outcome.ok);
  assert.equal(outcome.refused.length, 1);
  assert.equal(outcome.refused[0]!.key.name, 'reviews');
  assert.match(outcome.refused[0]!.file, /reviews\.yaml$/);
  assert.ok(outcome.refused[0]!.issues.length > 0);
  assert.equal(readFileSync(join(dir, 'reviews.yaml'), 'utf8'), BROKEN, 'the unfinished hand edit is kept');
  assert.ok(readdirSync(dir).includes('ratings.yaml'), 'nothing in the request was deleted');
  assert.equal(store.snapshot().version, version, 'the running config is unchanged');
  assert.equal(store.snapshot().ofKind('VirtualService').length, 2);
  // Once the file is fixed, the same delete goes through.
  writeFileSync(join(dir, 'reviews.yaml'), REVIEWS_V1);
  await waitFor(() => source.issues.size === 0);
  assert.deepEqual(source.delete(keys), { ok: true, removed: keys });
  assert.equal(store.snapshot().ofKind('VirtualService').length, 0);
});

test('delete after an apply went around a broken file is refused while that file still holds a copy', async (t) => {
  const { dir, store, source, problems } = setup(t);
  writeFileSync(join(dir, 'reviews.yaml'), REVIEWS_V1);
  source.start();
  writeFileSync(join(dir, 'reviews.yaml'), BROKEN);
  await waitFor(() => problems.length > 0);
  source.apply(parseYaml(REVIEWS_V1.replace('subset: v1', 'subset: v3'), '-').docs);
  const key = store.snapshot().ofKind('VirtualService')[0]!.key;
  const outcome = source.delete([key]);
  assert.ok(!outcome.ok);
  assert.match(outcome.refused[0]!.file, /reviews\.yaml$/);
  assert.equal(readFileSync(join(dir, 'reviews.yaml'), 'utf8'), BROKEN);
  assert.ok(readdirSync(dir).includes('virtualservice.default.reviews.yaml'));
  assert.equal(store.snapshot().ofKind('VirtualService').length, 1);
});

test('creation time is persisted in metadata.creationTimestamp on apply and read back after a restart', (t) => {
  const { dir, store, source } = setup(t);
  source.start();
  source.apply(parseYaml(REVIEWS_V1, '-').docs);
  const first = store.snapshot().ofKind('VirtualService')[0]!.createdAt;
  const text = readFileSync(join(dir, 'virtualservice.default.reviews.yaml'), 'utf8');
  assert.match(text, /creationTimestamp: ['"]?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/);
  // Re-applying keeps the original creation time.
  source.apply(parseYaml(REVIEWS_V1.replace('subset: v1', 'subset: v2'), '-').docs);
  const stamp = /creationTimestamp: ['"]?([^'"\n]+)/.exec(
    readFileSync(join(dir, 'virtualservice.default.reviews.yaml'), 'utf8'),
  )![1]!;
  assert.equal(new Date(stamp).getTime(), first.getTime());
  source.stop();
  // A new store and source over the same folder (a restart) see the same creation time.
  const again = new ConfigStore();
  const restarted = new DirectorySource(dir, again);
  restarted.start();
  t.after(() => restarted.stop());
  assert.equal(
    again.snapshot().ofKind('VirtualService')[0]!.createdAt.toISOString(),
    new Date(stamp).toISOString(),
  );
});

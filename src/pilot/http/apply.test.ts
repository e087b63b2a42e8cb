import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatIssue } from '../../api/index.ts';
import { ConfigStore, DirectorySource } from '../../config/index.ts';
import { applyYaml, deleteByName, deleteYaml } from './apply.ts';

// The same resource twice in one text: once with its namespace, once defaulted to it (an exact
// repeat in one file is refused by validation as a duplicate).
const vs = (subset: string, namespace = '') => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews${namespace}}
spec:
  hosts: [reviews]
  http: [{route: [{destination: {host: reviews, subset: ${subset}}}]}]
`;

test('two copies of one resource in one request: created, then configured (as kubectl), not created twice', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-apply-'));
  try {
    const store = new ConfigStore();
    const source = new DirectorySource(dir, store);
    source.start();
    const r = applyYaml({ store, source }, `${vs('v1', ', namespace: default')}---\n${vs('v2')}`, 'in.yaml');
    assert.ok(r.ok);
    assert.deepEqual(
      r.results.map((x) => x.action),
      ['created', 'configured'],
    );
    source.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('delete is refused with 409, naming the broken file and what to do, and nothing is deleted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-delete-'));
  try {
    const store = new ConfigStore();
    const problems: string[] = [];
    const source = new DirectorySource(dir, store, { debounceMs: 10, onIssues: (f) => problems.push(f) });
    source.start();
    assert.ok(applyYaml({ store, source }, vs('v1'), 'in.yaml').ok);
    const file = join(dir, 'virtualservice.default.reviews.yaml');
    const edit = `${readFileSync(file, 'utf8')}  tcp: [{route: nope}]\n`;
    writeFileSync(file, edit);
    for (let i = 0; i < 300 && problems.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(problems.length > 0, 'the hand edit was seen as broken');
    for (const outcome of [
      deleteYaml({ store, source }, vs('v1'), 'in.yaml'),
      deleteByName({ store, source }, 'vs', 'reviews', 'default'),
    ]) {
      assert.ok(!outcome.ok);
      assert.equal(outcome.status, 409);
      assert.equal(outcome.issues.length, 1);
      const text = formatIssue(outcome.issues[0]!);
      assert.match(text, /VirtualService default\/reviews/);
      assert.match(text, /virtualservice\.default\.reviews\.yaml, which holds it, has errors on disk/);
      assert.match(text, /nothing was deleted/);
      assert.match(text, /hint: fix .*virtualservice\.default\.reviews\.yaml .* and run the delete again/);
    }
    assert.equal(readFileSync(file, 'utf8'), edit, 'the unfinished edit is kept');
    assert.equal(store.snapshot().ofKind('VirtualService').length, 1, 'the running config is unchanged');
    source.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

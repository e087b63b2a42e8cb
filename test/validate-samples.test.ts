// Istio's own sample manifests are the acceptance test of validation: every one must load and
// validate without errors, and `weft validate` over the directory must succeed.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { formatIssue, loadFiles, validateDocuments } from '../src/api/index.ts';
import { main } from '../src/cli/index.ts';

const samples = resolve(import.meta.dirname, '../../shared/istio/samples');
const skip = existsSync(samples) ? false : `Istio samples not found at ${samples}`;

test('every Istio sample loads and validates with no errors', { skip }, async () => {
  const loaded = await loadFiles([samples], async () => '');
  assert.deepEqual(loaded.issues.map(formatIssue), []);
  assert.ok(loaded.files.length >= 40, `only ${loaded.files.length} files`);
  assert.ok(loaded.docs.length >= 100, `only ${loaded.docs.length} documents`);
  const started = performance.now();
  const errors = validateDocuments(loaded.docs).filter((i) => i.severity === 'error');
  const elapsed = performance.now() - started;
  assert.deepEqual(errors.map(formatIssue), []);
  assert.ok(elapsed < 1000, `validation took ${elapsed.toFixed(0)} ms`);
});

test('weft validate -f samples/ exits 0', { skip }, async () => {
  let out = '';
  let err = '';
  const ctx = {
    exitCode: 0,
    stdout: (s: string) => {
      out += s;
    },
    stderr: (s: string) => {
      err += s;
    },
    readStdin: async () => '',
  };
  assert.equal(await main(['validate', '-f', samples + '/'], ctx), 0, err);
  assert.match(out, /✔ \d+ documents in \d+ files are valid/);
});

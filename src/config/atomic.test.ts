import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isAtomicTempFile, removeFileDurable, writeFileAtomic } from './atomic.ts';

test('writeFileAtomic replaces content and leaves no temporary file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-atomic-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'vs.yaml');
  writeFileAtomic(file, 'one\n');
  writeFileAtomic(file, 'two\n');
  assert.equal(readFileSync(file, 'utf8'), 'two\n');
  assert.deepEqual(readdirSync(dir), ['vs.yaml']);
  removeFileDurable(file);
  assert.deepEqual(readdirSync(dir), []);
});

test('a failed write keeps the old file intact', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-atomic-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'vs.yaml');
  writeFileAtomic(file, 'good\n');
  // Writing into a directory that does not exist fails before anything is replaced.
  assert.throws(() => writeFileAtomic(join(dir, 'missing', 'vs.yaml'), 'bad\n'));
  assert.equal(readFileSync(file, 'utf8'), 'good\n');
  assert.ok(isAtomicTempFile('.vs.yaml.123.1.tmp'));
  assert.ok(!isAtomicTempFile('vs.yaml'));
});

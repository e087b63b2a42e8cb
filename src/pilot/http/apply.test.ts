import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigStore, DirectorySource } from '../../config/index.ts';
import { applyYaml } from './apply.ts';

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

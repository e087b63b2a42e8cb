// Weft's own sample manifests (samples/, what the README uses) validate clean, file by file, and
// every Deployment in them can run in local mode.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseYaml, validateDocuments } from '../../src/api/index.ts';
import { planPods } from '../../src/runtime/index.ts';
import { ROOT } from './helpers.ts';

const DIR = join(ROOT, 'samples');
const files = readdirSync(DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'));

test('samples/ has Bookinfo, httpbin, tcp-echo and curl', () => {
  for (const f of [
    'bookinfo/bookinfo.yaml',
    'bookinfo/bookinfo-gateway.yaml',
    'httpbin/httpbin.yaml',
    'tcp-echo/tcp-echo-services.yaml',
    'curl/curl.yaml',
  ])
    assert.ok(files.includes(f), f);
});

for (const file of files) {
  test(`samples/${file} validates clean and its pods can run`, () => {
    const { docs, issues } = parseYaml(readFileSync(join(DIR, file), 'utf8'), file);
    const problems = [...issues, ...validateDocuments(docs)];
    assert.deepEqual(
      problems.map((i) => `${i.line}: ${i.message}`),
      [],
    );
    const deployments = docs.filter((d) => d.kind === 'Deployment');
    const plan = planPods(
      deployments.map((d) => ({
        name: d.metadata.name,
        namespace: 'default',
        body: d.body,
        file,
        line: d.line,
      })),
    );
    assert.deepEqual(plan.errors, []);
    assert.equal(plan.pods.length, deployments.length);
  });
}

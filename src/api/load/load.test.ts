import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadFiles, parseYaml } from './index.ts';

const VS = `# leading comment
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: default
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
      weight: 90
    - destination:
        host: reviews
      weight: 10
---
---
# only a comment
---
apiVersion: v1
kind: Service
metadata: {name: reviews}
`;

test('lineOf gives the line of nested fields, list items and the nearest existing ancestor', () => {
  const { docs, issues } = parseYaml(VS, 'vs.yaml');
  assert.deepEqual(issues, []);
  assert.equal(docs.length, 2, 'empty and comment-only documents are skipped');
  const [vs, svc] = docs;
  assert.equal(vs!.line, 3);
  assert.equal(vs!.lineOf([]), 3);
  assert.equal(vs!.lineOf(['metadata', 'name']), 6);
  assert.equal(vs!.lineOf(['spec', 'hosts', 0]), 10);
  assert.equal(vs!.lineOf(['spec', 'http', 0, 'route', 1, 'weight']), 19);
  assert.equal(vs!.lineOf(['spec', 'http', 0, 'route', 0, 'destination', 'subset']), 15);
  assert.equal(
    vs!.lineOf(['spec', 'http', 0, 'route', 1, 'destination', 'subset']),
    17,
    'missing field → its parent',
  );
  assert.equal(vs!.lineOf(['spec', 'http', 5]), 11, 'missing index → the list');
  assert.equal(svc!.line, 24);
  assert.equal(svc!.index, 3);
  assert.equal(svc!.lineOf(['metadata', 'name']), 26);
  assert.equal(vs!.metadata.namespace, 'default');
  assert.equal(vs!.file, 'vs.yaml');
});

test('syntax errors, missing apiVersion/kind and non-objects are issues with lines', () => {
  const text =
    'apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\n- 1\n- 2\n---\nkind: B\nmetadata: {name: b}\n---\nfoo: [1, 2\nbar: 1\n';
  const { docs, issues } = parseYaml(text, 'x.yaml');
  assert.equal(docs.length, 1);
  assert.equal(issues.length, 3, JSON.stringify(issues));
  assert.match(issues[0]!.message, /is a list, not an object/);
  assert.equal(issues[0]!.line, 5);
  assert.match(issues[1]!.message, /has no apiVersion/);
  assert.equal(issues[1]!.line, 8);
  assert.equal(issues[1]!.kind, 'B');
  assert.match(issues[2]!.message, /^YAML syntax error/);
  assert.ok(issues[2]!.line >= 11, `line ${issues[2]!.line}`);
  assert.ok(issues.every((i) => i.file === 'x.yaml' && i.severity === 'error'));
});

test('JSON documents load with lines too', () => {
  const text = '{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "metadata": {\n    "name": "c"\n  }\n}\n';
  const { docs } = parseYaml(text, 'c.json');
  assert.equal(docs[0]!.kind, 'ConfigMap');
  assert.equal(docs[0]!.lineOf(['metadata', 'name']), 5);
});

test('loadFiles reads directories recursively in sorted order, stdin once, and names unreadable paths', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-load-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'sub'));
  const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
  writeFileSync(join(dir, 'b.yaml'), cm('b'));
  writeFileSync(join(dir, 'a.yml'), cm('a'));
  writeFileSync(
    join(dir, 'sub', 'c.json'),
    JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }),
  );
  writeFileSync(join(dir, 'notes.txt'), 'not config');
  let stdinReads = 0;
  const readStdin = async () => {
    stdinReads++;
    return cm('from-stdin');
  };
  const result = await loadFiles([dir, '-', '-', join(dir, 'missing.yaml')], readStdin);
  assert.deepEqual(
    result.docs.map((d) => d.metadata.name),
    ['a', 'b', 'c', 'from-stdin'],
  );
  assert.equal(stdinReads, 1);
  assert.equal(result.docs[3]!.file, '-');
  assert.equal(result.docs[3]!.lineOf(['metadata', 'name']), 4);
  assert.equal(result.files.length, 4);
  assert.equal(result.issues.length, 1);
  assert.match(result.issues[0]!.message, /cannot read .*missing\.yaml: no such file or directory/);
  assert.equal(result.issues[0]!.file, join(dir, 'missing.yaml'));
});

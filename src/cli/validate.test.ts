import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type CliContext, main } from './index.ts';

function capture(stdin = ''): CliContext & { out: string; err: string } {
  const ctx = {
    out: '',
    err: '',
    exitCode: 0,
    stdout(s: string) {
      ctx.out += s;
    },
    stderr(s: string) {
      ctx.err += s;
    },
    readStdin: async () => stdin,
  };
  return ctx;
}

const GOOD =
  'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r}\nspec: {host: reviews}\n';
const BAD =
  'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r2}\nspec:\n  host: reviews\n  subsets: [{labels: {version: v1}}]\n';

test('valid input exits 0 with a summary; warnings do not fail', async () => {
  const ctx = capture(
    GOOD +
      '---\napiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: e}\nspec: {}\n',
  );
  assert.equal(await main(['validate', '-f', '-'], ctx), 0);
  assert.match(
    ctx.out,
    /-:7: warning: EnvoyFilter e: kind: EnvoyFilter is not supported by Weft; it would be ignored/,
  );
  assert.match(ctx.out, /✔ 2 documents in 1 file are valid/);
});

test('invalid input exits 1 and names file, line and field', async () => {
  const ctx = capture(BAD);
  assert.equal(await main(['validate', '-f', '-'], ctx), 1);
  assert.match(ctx.err, /^-:6: DestinationRule r2: spec\.subsets\[0\]\.name: required field is missing/m);
  assert.match(ctx.err, /✘ 1 error in 1 of 1 document/);
});

test('-o json reports validity, document count and issues', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-validate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'good.yaml'), GOOD);
  writeFileSync(join(dir, 'bad.yaml'), BAD);
  const ctx = capture();
  assert.equal(await main(['validate', '-f', dir, '-o', 'json'], ctx), 1);
  const report = JSON.parse(ctx.out) as {
    valid: boolean;
    documents: number;
    issues: { file: string; line: number; path: string }[];
  };
  assert.equal(report.valid, false);
  assert.equal(report.documents, 2);
  assert.equal(report.issues.length, 1);
  assert.equal(report.issues[0]!.file, join(dir, 'bad.yaml'));
  assert.equal(report.issues[0]!.path, 'spec.subsets[0].name');
});

test('an unreadable file is a failure naming it; no -f is a usage error', async () => {
  const ctx = capture();
  assert.equal(await main(['validate', '-f', 'no/such/file.yaml'], ctx), 1);
  assert.match(ctx.err, /cannot read no\/such\/file\.yaml: no such file or directory/);
  const usage = capture();
  assert.equal(await main(['validate'], usage), 2);
  assert.match(usage.err, /no input/);
  const help = capture();
  assert.equal(await main(['validate', '--help'], help), 0);
  assert.match(help.out, /Examples:/);
});

test('a DestinationRule tls mode Weft cannot honour is a warning naming the field; still valid', async () => {
  const ctx = capture(
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r}\nspec:\n  host: reviews\n  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n',
  );
  assert.equal(await main(['validate', '-f', '-'], ctx), 0);
  assert.match(
    ctx.out,
    /^-:7: warning: DestinationRule r: spec\.trafficPolicy\.tls\.mode: tls mode ISTIO_MUTUAL is not honoured by Weft yet/m,
  );
  assert.match(ctx.out, /✔ 1 document in 1 file is valid/);
});

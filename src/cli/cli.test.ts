import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CliContext, main } from './index.ts';

function capture(): CliContext & { out: string; err: string } {
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
    readStdin: async () => '',
  };
  return ctx;
}

test('weft version prints the version and the Istio API level', async () => {
  const ctx = capture();
  assert.equal(await main(['version'], ctx), 0);
  assert.match(ctx.out, /^weft version \d+\.\d+\.\d+ \(Istio API 1\.30/);
});

test('weft version -o json is machine readable', async () => {
  const ctx = capture();
  assert.equal(await main(['version', '-o', 'json'], ctx), 0);
  assert.equal(JSON.parse(ctx.out).istioApi, '1.30');
});

test('an unknown command is a usage error (exit 2) with a hint', async () => {
  const ctx = capture();
  assert.equal(await main(['no-such-command'], ctx), 2);
  assert.match(ctx.err, /unknown command/);
  assert.match(ctx.err, /--help/);
});

test('--help exits 0 and lists commands', async () => {
  const ctx = capture();
  assert.equal(await main(['--help'], ctx), 0);
  assert.match(ctx.out, /version/);
});

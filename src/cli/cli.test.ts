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

test('weft up "Try next": each command on its own line, the state dir and gateway port it needs', async () => {
  const { nextSteps } = await import('./up.ts');
  const long = '/tmp/a/very/long/state/directory/that/would/push/any/column/out/of/line';
  const state = {
    pilot: { url: 'http://127.0.0.1:15014' },
    gateway: { ports: { http: 18080, https: 18443, tcp: 18400 } },
    pods: [{ app: 'productpage' }, { app: 'reviews' }],
  } as unknown as import('../runtime/index.ts').RuntimeState;
  const text = nextSteps(state, long);
  const lines = text.trim().split('\n').slice(1);
  // Command, then its explanation indented under it; no padding that depends on widths.
  for (let i = 0; i < lines.length; i += 2) {
    assert.match(lines[i]!, /^ {2}(open|npx weft) \S/);
    assert.match(lines[i + 1]!, /^ {6}\S/);
  }
  assert.match(text, /^ {2}open http:\/\/127\.0\.0\.1:18080\/productpage$/m);
  for (const verb of ['status', 'apply', 'logs', 'down'])
    assert.match(text, new RegExp(`^  npx weft ${verb} --state-dir ${long}( |$)`, 'm'));
  const plain = nextSteps(state, '.weft');
  assert.doesNotMatch(plain, /--state-dir/);
});

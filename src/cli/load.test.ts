// `weft load` end to end through the CLI: Istio's circuit-breaking command line, fortio's output
// lines, -json, -curl, and the exit codes.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type CliContext, main } from './index.ts';
import { normaliseArgs } from './load.ts';

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

describe('weft load', () => {
  let n = 0;
  const server = createServer((_req, res) => {
    n++;
    res.writeHead(n % 5 === 0 ? 503 : 200, { 'x-served-by': 'test' });
    res.end('{"ok":true}');
  });
  let url = '';
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/get`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it("runs Istio's circuit-breaking command line and prints fortio's lines", async () => {
    n = 0;
    const ctx = capture();
    assert.equal(
      await main(['load', '-c', '2', '-qps', '0', '-n', '20', '-loglevel', 'Warning', url], ctx),
      0,
    );
    assert.match(
      ctx.out,
      /^weft load \S+ running at 0 queries per second, 2 connection\(s\), for 20 calls: http/,
    );
    assert.match(
      ctx.out,
      /^Starting at max qps with 2 connection\(s\) for exactly 20 calls \(10 per connection \+ 0\)$/m,
    );
    assert.match(ctx.out, /^Sockets used: 2 \(for perfect keepalive, would be 2\)$/m);
    assert.match(ctx.out, /^Code 200 : 16 \(80\.0 %\)$/m);
    assert.match(ctx.out, /^Code 503 : 4 \(20\.0 %\)$/m);
    assert.match(ctx.out, /^# range, mid point, percentile, count$/m);
    assert.match(ctx.out, /^>= [\d.e-]+ <= [\d.e-]+ , [\d.e-]+ , [\d.]+, \d+$/m);
    assert.match(ctx.out, /^# target 99\.9% [\d.e-]+$/m);
    assert.match(ctx.out, /^All done 20 calls \(plus 0 warmup\) [\d.]+ ms avg, [\d.]+ qps$/m);
  });

  it('-json - puts the JSON on stdout and the report on stderr', async () => {
    const ctx = capture();
    assert.equal(await main(['load', '--qps', '0', '-c', '1', '-n', '5', '-json', '-', url], ctx), 0);
    const json = JSON.parse(ctx.out) as {
      RetCodes: Record<string, number>;
      Sockets: number;
      DurationHistogram: { Count: number };
    };
    assert.equal(json.DurationHistogram.Count, 5);
    assert.equal(json.Sockets, 1);
    assert.equal(
      Object.values(json.RetCodes).reduce((a, b) => a + b, 0),
      5,
    );
    assert.match(ctx.err, /^All done 5 calls/m);
  });

  it('-curl prints the response head and body', async () => {
    const ctx = capture();
    assert.equal(await main(['load', '-curl', url], ctx), 0);
    assert.match(ctx.out, /^HTTP\/1\.1 (200 OK|503 Service Unavailable)\r\n/);
    assert.match(ctx.out, /\r\nx-served-by: test\r\n/i);
    assert.ok(ctx.out.endsWith('\r\n\r\n{"ok":true}'));
  });

  it('exits 1 on bad flags and when it cannot connect; --help shows the example', async () => {
    const bad = capture();
    assert.equal(await main(['load', '-n', 'many', url], bad), 1);
    assert.match(bad.err, /-n: not a number/);
    const unknown = capture();
    assert.equal(await main(['load', '-bogus', url], unknown), 1);
    const refused = capture();
    assert.equal(await main(['load', '-n', '1', 'http://127.0.0.1:1/'], refused), 1);
    assert.match(refused.err, /cannot connect to 127\.0\.0\.1:1/);
    const help = capture();
    assert.equal(await main(['load', '--help'], help), 0);
    assert.match(help.out, /weft load -c 2 -qps 0 -n 20 -loglevel Warning http:\/\/httpbin:8000\/get/);
  });

  it("normalises fortio's single-dash long flags only", () => {
    assert.deepEqual(normaliseArgs(['-qps', '5', '-c', '2', '-json=x', '-H', 'a: -b', 'u']), [
      '--qps',
      '5',
      '-c',
      '2',
      '--json=x',
      '-H',
      'a: -b',
      'u',
    ]);
  });
});

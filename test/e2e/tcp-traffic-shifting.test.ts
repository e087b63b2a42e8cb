// Istio's "TCP traffic shifting" task on the local mesh, with Istio's sample files: tcp-echo v1
// and v2 behind the ingress gateway's TCP port 31400 (`--tcp-port`); all connections to v1 (every
// line prefixed `one`), then 20 % of connections to v2 (`two`) within the 0.999 binomial tolerance.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { binomialTolerance, SAMPLES, upMesh } from './helpers.ts';

const TCP = join(SAMPLES, 'tcp-echo');
const N = 200;

/** One connection: send a line, read the echoed line. */
function echo(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let got = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('tcp-echo timed out')));
    socket.on('data', (b: Buffer) => {
      got += b.toString();
      if (got.includes('\n')) socket.end();
    });
    socket.once('error', reject);
    socket.once('close', () => resolve(got.trim()));
    socket.write(`${line}\n`);
  });
}

async function prefixes(port: number, n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const answer = await echo(port, `hello ${i}`);
    const prefix = answer.endsWith(` hello ${i}`) ? answer.split(' ')[0]! : `bad:${answer}`;
    counts[prefix] = (counts[prefix] ?? 0) + 1;
  }
  return counts;
}

test('tcp traffic shifting: all to v1, then 20 % to v2', async (t) => {
  const mesh = await upMesh(t, [join(TCP, 'tcp-echo-services.yaml')]);
  await mesh.apply(join(TCP, 'tcp-echo-all-v1.yaml'), 'istio-ingressgateway');
  assert.deepEqual(await prefixes(mesh.ports.tcp, 30), { one: 30 });

  await mesh.apply(join(TCP, 'tcp-echo-20-v2.yaml'), 'istio-ingressgateway');
  const counts = await prefixes(mesh.ports.tcp, N);
  const two = counts['two'] ?? 0;
  const k = binomialTolerance(N, 0.2);
  assert.equal((counts['one'] ?? 0) + two, N, JSON.stringify(counts));
  assert.ok(Math.abs(two - N * 0.2) <= k, `two on ${two} of ${N} connections, expected ${N * 0.2} ± ${k}`);
});

// tcp-echo: argument forms, and each line answered with the prefix on every port.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { tcpEchoConfig } from './tcp-echo.ts';
import { startApp } from './test-support.ts';

function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    sock.setEncoding('utf8');
    sock.on('data', (c: string) => (got += c));
    sock.on('end', () => resolve(got));
    sock.on('error', reject);
    sock.end(text);
  });
}

test("tcpEchoConfig reads Istio's and the `--` argument forms, then env", () => {
  assert.deepEqual(tcpEchoConfig(['9000,9001,9002', 'one'], {}), {
    ports: [9000, 9001, 9002],
    prefix: 'one',
  });
  assert.deepEqual(tcpEchoConfig(['9000', '9001', '--', 'two'], {}), { ports: [9000, 9001], prefix: 'two' });
  assert.deepEqual(tcpEchoConfig([], { PORT: '9100', PREFIX: 'p' }), { ports: [9100], prefix: 'p' });
  assert.deepEqual(tcpEchoConfig([], {}), { ports: [9000], prefix: 'hello' });
});

test('tcp-echo prefixes every line on each of its ports', async (t) => {
  // PORT_MAP moves the container ports to OS-chosen ones, as the runtime does with allocated ports.
  const app = await startApp('tcp-echo', ['9000,9001', 'one'], { PORT_MAP: '9000=0,9001=0' }, 2);
  t.after(() => app.stop());
  assert.equal(app.ports.length, 2);
  assert.equal(await exchange(app.ports[0]!, 'hello\nworld\n'), 'one hello\none world\n');
  assert.equal(await exchange(app.ports[1]!, 'port 9001\n'), 'one port 9001\n');
  assert.equal(await exchange(app.ports[1]!, 'no newline'), 'one no newline');
});

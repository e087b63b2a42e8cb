import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { DIRECT_HEAD_WRITES, writeHead, writeHeadBytes } from './index.ts';

/** A connected loopback pair: `client` writes, the server side collects everything it reads. */
async function pair(): Promise<{ client: Socket; received: () => Promise<Buffer>; close: () => void }> {
  const chunks: Buffer[] = [];
  let ended: () => void = () => {};
  const done = new Promise<void>((r) => {
    ended = r;
  });
  const server = createServer((s) => {
    s.on('data', (d) => chunks.push(d));
    s.on('end', () => {
      ended();
      s.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', () => r()));
  return {
    client,
    received: async () => {
      await done;
      return Buffer.concat(chunks);
    },
    close: () => {
      client.destroy();
      server.close();
    },
  };
}

test('this Node offers the direct head write', () => {
  assert.equal(DIRECT_HEAD_WRITES, true);
});

test('direct head writes and Writable writes arrive in order and count in bytesWritten', async (t) => {
  const p = await pair();
  t.after(p.close);
  // Big enough that the kernel cannot take it at once: the rest is queued in libuv, and the
  // Writable writes after it must wait behind it.
  const big = 'h'.repeat(8 * 1024 * 1024);
  assert.equal(writeHead(p.client, big), true);
  p.client.write('-after-string-');
  const bytes = Buffer.alloc(4 * 1024 * 1024, 0x62);
  // The Writable is busy now: this one goes through socket.write, still in order.
  writeHeadBytes(p.client, bytes);
  writeHeadBytes(p.client, Buffer.from('tail'));
  p.client.end();
  const got = await p.received();
  assert.equal(got.length, big.length + 14 + bytes.length + 4);
  assert.equal(got.toString('latin1', 0, 16), 'hhhhhhhhhhhhhhhh');
  assert.equal(got.toString('latin1', big.length, big.length + 14), '-after-string-');
  assert.equal(got.toString('latin1', got.length - 4), 'tail');
  assert.equal(p.client.bytesWritten, got.length);
});

test('a socket still connecting takes the ordinary write path', async (t) => {
  const server = createServer((s) => s.resume());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  t.after(() => {
    client.destroy();
    server.close();
  });
  assert.equal(client.connecting, true);
  writeHead(client, 'early');
  assert.equal(client.writableLength, 5);
  await new Promise<void>((r) => client.once('connect', () => r()));
});

import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { DIRECT_HEAD_WRITES, flushHeldWrites, writeHead, writeHeadBytes } from './index.ts';

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

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

test("a turn's heads after its first are held until its reads are handled, then written in order", async (t) => {
  const a = await pair();
  const b = await pair();
  const c = await pair();
  t.after(() => {
    a.close();
    b.close();
    c.close();
  });
  // A quiet turn first: one head, so the next turn writes its first head at once.
  writeHead(c.client, 'c1 ');
  await nextTurn();
  assert.equal(c.client.bytesWritten, 3);

  writeHeadBytes(a.client, Buffer.from('a1 '));
  assert.equal(a.client.bytesWritten, 3, 'the first head of a turn after a quiet one goes at once');
  writeHead(b.client, 'b1 ');
  writeHead(a.client, 'a2 ');
  // Held: not handed to the kernel yet.
  assert.equal(a.client.bytesWritten, 3);
  assert.equal(b.client.bytesWritten, 0);
  await nextTurn();
  assert.equal(a.client.bytesWritten, 6);
  assert.equal(b.client.bytesWritten, 3);

  // The last turn made three heads: this one holds its first head too.
  writeHead(c.client, 'c2 ');
  assert.equal(c.client.bytesWritten, 3);
  await nextTurn();
  assert.equal(c.client.bytesWritten, 6);
  for (const p of [a, b, c]) p.client.end();
  assert.equal((await a.received()).toString(), 'a1 a2 ');
  assert.equal((await b.received()).toString(), 'b1 ');
  assert.equal((await c.received()).toString(), 'c1 c2 ');
});

test('a Writable write, a corked batch or end() after a held head goes out behind it', async (t) => {
  const p = await pair();
  t.after(p.close);
  writeHead(p.client, 'head1 ');
  p.client.write('body1 ');
  writeHead(p.client, 'head2 ');
  p.client.cork();
  p.client.write('c1 ');
  // The Writable holds corked data: this head queues behind it, not ahead.
  writeHead(p.client, 'head3 ');
  p.client.write('c2 ');
  p.client.uncork();
  writeHeadBytes(p.client, Buffer.from('last'));
  p.client.end();
  assert.equal((await p.received()).toString(), 'head1 body1 head2 c1 head3 c2 last');
});

test('destroy() drops held heads unless they are flushed first', async (t) => {
  const kept = await pair();
  const dropped = await pair();
  t.after(() => {
    kept.close();
    dropped.close();
  });
  writeHead(kept.client, 'answered');
  flushHeldWrites(kept.client);
  kept.client.destroy();
  writeHead(dropped.client, 'lost');
  dropped.client.destroy();
  await nextTurn();
  assert.equal((await kept.received()).toString(), 'answered');
  assert.equal((await dropped.received()).length, 0);
});

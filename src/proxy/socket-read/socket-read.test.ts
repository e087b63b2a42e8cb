import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { connectReadOptions, directReads, READ_BUFFER, readInto, readView } from './index.ts';

/** A loopback server whose first accepted socket is handed to `onSocket`; closes with the test. */
async function server(onSocket: (s: net.Socket) => void): Promise<{ port: number; close(): void }> {
  const srv = net.createServer(onSocket);
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as net.AddressInfo).port;
  return { port, close: () => srv.close() };
}

test('readView gives one view per length of the shared buffer, the same object every time', () => {
  const a = readView(5);
  assert.equal(a.length, 5);
  assert.equal(a.buffer, READ_BUFFER.buffer);
  assert.equal(a.byteOffset, READ_BUFFER.byteOffset);
  assert.equal(readView(5), a);
  READ_BUFFER[0] = 0x41;
  assert.equal(a[0], 0x41);
  // Longer reads than the cache holds still get a view of the right length.
  const big = readView(10_000);
  assert.equal(big.length, 10_000);
  assert.equal(big.buffer, READ_BUFFER.buffer);
});

test('an accepted socket read directly: every byte in order, then Node still ends and closes it', async () => {
  const got: Buffer[] = [];
  let shared = true;
  let ended = false;
  let direct = false;
  const done = new Promise<void>((resolve) => {
    void server((s) => {
      assert.equal(
        readInto(s, (chunk) => {
          shared &&= chunk.buffer === READ_BUFFER.buffer;
          got.push(Buffer.from(chunk));
        }),
        true,
      );
      // Reads with data skip Node's onStreamRead: the handle's handler is directReads' own.
      direct = (s as unknown as { _handle: { onread: { name: string } } })._handle.onread.name === 'onread';
      s.on('end', () => {
        ended = true;
        s.end();
      });
      s.on('close', () => resolve());
    }).then((srv) => {
      const c = net.connect(srv.port, '127.0.0.1', () => {
        c.write('hello ');
        setTimeout(() => c.end('world'), 20);
      });
      c.resume();
      c.on('close', () => srv.close());
    });
  });
  await done;
  assert.equal(Buffer.concat(got).toString(), 'hello world');
  assert.ok(shared, 'chunks are views of the shared read buffer');
  assert.ok(ended, "EOF reaches Node's handler: 'end' is emitted");
  assert.ok(direct, 'the direct read path is in use on this Node');
});

test('a destroyed socket gets no more reads; a paused one none until resumed', async () => {
  const got: string[] = [];
  let accepted: net.Socket | undefined;
  const srv = await server((s) => {
    accepted = s;
    readInto(s, (chunk) => got.push(chunk.toString()));
  });
  const c = net.connect(srv.port, '127.0.0.1');
  await once(c, 'connect');
  for (let i = 0; i < 100 && accepted === undefined; i++) await new Promise((r) => setTimeout(r, 5));
  const s = accepted!;
  c.write('a');
  for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got, ['a']);
  s.pause();
  c.write('b');
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(got, ['a'], 'no read while paused');
  s.resume();
  for (let i = 0; i < 100 && got.length === 1; i++) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got, ['a', 'b']);
  s.destroy();
  c.write('c');
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(got, ['a', 'b'], 'nothing after destroy');
  c.destroy();
  srv.close();
});

test('a connected socket with connectReadOptions and directReads: data, then end and close', async () => {
  const srv = await server((s) => {
    s.end('from server');
  });
  const got: Buffer[] = [];
  const onRead = (chunk: Buffer): void => {
    got.push(Buffer.from(chunk));
  };
  const c = net.connect({ host: '127.0.0.1', port: srv.port, onread: connectReadOptions(onRead) });
  directReads(c, onRead);
  let ended = false;
  c.on('end', () => {
    ended = true;
  });
  await once(c, 'close');
  srv.close();
  assert.equal(Buffer.concat(got).toString(), 'from server');
  assert.ok(ended);
});

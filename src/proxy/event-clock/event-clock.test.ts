import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { connectReadOptions } from '../socket-read/index.ts';
import { enterEvent, leaveEvent, monoNow, wallNow } from './index.ts';

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
}

test('inside an event both clocks read once; nested events share the reading; outside they run', () => {
  enterEvent();
  const w = wallNow();
  const m = monoNow();
  spin(3);
  assert.equal(wallNow(), w);
  assert.equal(monoNow(), m);
  enterEvent();
  assert.equal(monoNow(), m);
  leaveEvent();
  // Still inside the outer event.
  assert.equal(monoNow(), m);
  leaveEvent();
  assert.ok(monoNow() >= m + 3);
  assert.ok(wallNow() >= w + 2);
  const a = monoNow();
  spin(2);
  assert.ok(monoNow() >= a + 2);
});

test('a read through socket-read is one event: the clock is frozen during the callback only', async () => {
  const server = net.createServer((s) => s.end('x'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  const seen: number[] = [];
  await new Promise<void>((resolve, reject) => {
    const c = net.connect({
      host: '127.0.0.1',
      port,
      onread: connectReadOptions(() => {
        const first = monoNow();
        spin(2);
        seen.push(first, monoNow());
      }),
    });
    c.on('error', reject);
    c.on('close', () => resolve());
  });
  server.close();
  assert.equal(seen.length, 2);
  assert.equal(seen[0], seen[1]);
  assert.ok(monoNow() >= seen[0]! + 2);
});

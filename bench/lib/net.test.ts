import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { freePort, parseVmRssKiB, probeHttp, readRssKiB, waitForHttp200 } from './net.ts';

test('VmRSS is read from /proc/<pid>/status', async () => {
  assert.equal(parseVmRssKiB('Name:\tnode\nVmPeak:\t  9 kB\nVmRSS:\t   51234 kB\nThreads:\t7\n'), 51234);
  assert.equal(parseVmRssKiB('Name:\tkthreadd\n'), undefined);
  const own = await readRssKiB(process.pid);
  assert.ok(own !== undefined && own > 1000, `own RSS ${own} kB`);
});

test('waitForHttp200 waits for a server that starts late and reports one that never answers 200', async (t) => {
  const port = await freePort();
  const server = createServer((s) =>
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')),
  );
  t.after(() => server.close());
  const later = setTimeout(() => server.listen(port, '127.0.0.1'), 250);
  t.after(() => clearTimeout(later));
  assert.equal(await waitForHttp200(port, 3000), undefined);

  const teapot = createServer((s) => s.once('data', () => s.end('HTTP/1.1 418 No\r\n\r\n')));
  await new Promise<void>((r) => teapot.listen(0, '127.0.0.1', r));
  t.after(() => teapot.close());
  const addr = teapot.address();
  assert.ok(addr && typeof addr === 'object');
  assert.equal(await probeHttp(addr.port, 1000), 418);
  assert.match(String(await waitForHttp200(addr.port, 300)), /no 200 .* status 418/);
  assert.match(String(await waitForHttp200(addr.port, 3000, () => false)), /process exited/);
});

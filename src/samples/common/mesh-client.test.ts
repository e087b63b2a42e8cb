// Where outgoing calls go: the explicit proxy with an absolute-form target, or the service directly.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { serviceEnvPrefix } from './env.ts';
import { meshRequest, resolveTarget } from './mesh-client.ts';
import { forwardHeaders } from './propagate.ts';

const u = (s: string) => new URL(s);

test('through HTTP_PROXY the target is absolute-form on the proxy address', () => {
  assert.deepEqual(
    resolveTarget(u('http://details:9080/details/0'), { HTTP_PROXY: 'http://127.0.0.1:15001' }),
    {
      host: '127.0.0.1',
      port: 15001,
      path: 'http://details:9080/details/0',
      viaProxy: true,
    },
  );
  assert.equal(resolveTarget(u('http://a:1/'), { http_proxy: '127.0.0.1:3128' }).port, 3128);
  assert.equal(resolveTarget(u('http://a:1/'), { HTTP_PROXY: 'http://p:1', NO_PROXY: 'a' }).viaProxy, false);
  assert.equal(
    resolveTarget(u('http://x.a:1/'), { HTTP_PROXY: 'http://p:1', NO_PROXY: '.a' }).viaProxy,
    false,
  );
});

test('without a proxy, <NAME>_SERVICE_HOST/PORT or the name itself', () => {
  const env = { TCP_ECHO_SERVICE_HOST: '127.0.0.1', TCP_ECHO_SERVICE_PORT: '41000' };
  assert.deepEqual(resolveTarget(u('http://tcp-echo:9000/x?y=1'), env), {
    host: '127.0.0.1',
    port: 41000,
    path: '/x?y=1',
    viaProxy: false,
  });
  assert.equal(resolveTarget(u('http://tcp-echo.default.svc.cluster.local:9000/'), env).port, 41000);
  assert.deepEqual(resolveTarget(u('http://example.com/'), env), {
    host: 'example.com',
    port: 80,
    path: '/',
    viaProxy: false,
  });
  assert.equal(serviceEnvPrefix('tcp-echo'), 'TCP_ECHO');
});

test('meshRequest rejects bad URLs and non-http schemes', async () => {
  await assert.rejects(meshRequest('nope', { env: {} }), /invalid URL/);
  await assert.rejects(meshRequest('https://a/', { env: {} }), /unsupported scheme/);
});

test('forwardHeaders keeps tracing and app headers only', () => {
  assert.deepEqual(
    forwardHeaders({
      'x-request-id': 'r',
      b3: '1',
      cookie: 'a=1',
      'end-user': 'u',
      accept: '*/*',
      host: 'h',
    }),
    { 'x-request-id': 'r', b3: '1', cookie: 'a=1', 'end-user': 'u' },
  );
});

test('a pooled connection the peer dropped is retried once on a fresh one', async (t) => {
  const perSocket = new WeakMap<object, number>();
  let drops = 0;
  const server = createServer((req, res) => {
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    if (n === 2) {
      drops++;
      req.socket.destroy();
      return;
    }
    res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  const env = { HTTP_PROXY: `http://127.0.0.1:${port}` };
  assert.equal((await meshRequest('http://a:1/', { env })).body.toString(), 'ok');
  assert.equal((await meshRequest('http://a:1/', { env })).body.toString(), 'ok');
  assert.equal(drops, 1);
});

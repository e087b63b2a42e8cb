// The generator against real loopback servers: exact call counts, keep-alive and reconnects,
// per-status counting, pacing, latency from the intended send time, and a forward proxy.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { after, before, describe, it } from 'node:test';
import { curlOnce } from './curl.ts';
import { type LoadOptions, LoadSetupError, runLoad } from './runner.ts';

interface Backend {
  server: Server;
  url: string;
  requests: number;
  sockets: number;
  /** Called per request; return a status, a delay or close to shape the answer. */
  shape: (n: number) => { status?: number; delayMs?: number; close?: boolean };
}

async function startBackend(): Promise<Backend> {
  const b: Backend = { server: createServer(), url: '', requests: 0, sockets: 0, shape: () => ({}) };
  b.server.keepAliveTimeout = 10_000;
  b.server.on('connection', () => b.sockets++);
  b.server.on('request', (req, res) => {
    const n = ++b.requests;
    const s = b.shape(n);
    const reply = () => {
      if (s.close) res.setHeader('Connection', 'close');
      res.writeHead(s.status ?? 200, { 'content-type': 'text/plain' });
      res.end(`${req.method} ${req.url} ${req.headers['x-test'] ?? ''}`);
    };
    if (s.delayMs) setTimeout(reply, s.delayMs);
    else reply();
  });
  await new Promise<void>((r) => b.server.listen(0, '127.0.0.1', r));
  b.url = `http://127.0.0.1:${(b.server.address() as AddressInfo).port}`;
  return b;
}

function opts(url: string, o: Partial<LoadOptions>): LoadOptions {
  return { url, qps: 0, connections: 1, durationMs: 0, timeoutMs: 3000, env: {}, ...o };
}

describe('runLoad against a loopback server', () => {
  let b: Backend;
  before(async () => {
    b = await startBackend();
  });
  after(() => {
    b.server.closeAllConnections();
    b.server.close();
  });
  const reset = (shape: Backend['shape'] = () => ({})) => {
    b.requests = 0;
    b.sockets = 0;
    b.shape = shape;
  };

  it('-n makes exactly n calls over -c keep-alive connections', async () => {
    reset();
    const r = await runLoad(opts(`${b.url}/get`, { calls: 21, connections: 4 }));
    assert.equal(r.latency.count, 21);
    assert.equal(b.requests, 21);
    assert.equal(r.socketsUsed, 4);
    assert.equal(b.sockets, 4);
    assert.deepEqual([...r.codes], [[200, 21]]);
  });

  it('counts calls per status code: 503 every third', async () => {
    reset((n) => (n % 3 === 0 ? { status: 503 } : {}));
    const r = await runLoad(opts(`${b.url}/get`, { calls: 30, connections: 2 }));
    assert.deepEqual(
      [...r.codes].sort((x, y) => x[0] - y[0]),
      [
        [200, 20],
        [503, 10],
      ],
    );
    assert.equal(r.errorLatency.count, 10);
  });

  it('reconnects when the server closes, and counts every socket', async () => {
    reset((n) => ({ close: n % 2 === 0 }));
    const r = await runLoad(opts(`${b.url}/`, { calls: 10, connections: 1 }));
    assert.deepEqual([...r.codes], [[200, 10]]);
    assert.equal(r.socketsUsed, 5, 'a new socket after each of the 5 closes but the last');
    assert.equal(b.sockets, 5);
  });

  it('-qps 50 for 1 s sends about 50 calls, evenly', async () => {
    reset();
    const r = await runLoad(opts(`${b.url}/`, { qps: 50, connections: 2, durationMs: 1000 }));
    assert.ok(r.latency.count >= 45 && r.latency.count <= 55, `${r.latency.count} calls`);
    assert.ok(r.actualDurationMs >= 900 && r.actualDurationMs < 1500, `${r.actualDurationMs} ms`);
  });

  it('measures latency from the intended send time: a stall shows in the calls queued behind it', async () => {
    // One connection at 50 qps (a call every 20 ms); the 3rd answer takes 200 ms, so calls 4..
    // are written late. Their latency must include that wait (closed-loop tools would hide it).
    reset((n) => (n === 3 ? { delayMs: 200 } : {}));
    const r = await runLoad(opts(`${b.url}/`, { qps: 50, connections: 1, calls: 15 }));
    assert.equal(r.latency.count, 15);
    const slow = r.latency.buckets().reduce((sum, x) => sum + (x.start >= 0.05 ? x.count : 0), 0);
    assert.ok(slow >= 5, `only ${slow} calls at ≥ 50 ms; latency was measured from the write`);
    assert.ok(r.latency.max >= 0.19);
  });

  it('counts timeouts as code -1 and carries on with a new socket', async () => {
    reset((n) => (n === 1 ? { delayMs: 500 } : {}));
    const r = await runLoad(opts(`${b.url}/`, { calls: 3, timeoutMs: 100 }));
    assert.deepEqual(
      [...r.codes].sort((x, y) => x[0] - y[0]),
      [
        [-1, 1],
        [200, 2],
      ],
    );
    assert.deepEqual([...r.errors], [['timeout after 100 ms', 1]]);
    assert.equal(r.socketsUsed, 2);
  });

  it('sends -X, -H and -payload; curl mode returns head and body', async () => {
    reset();
    const c = await curlOnce(opts(`${b.url}/anything`, { headers: ['x-test: yes'], payload: 'abc' }));
    assert.equal(c.status, 200);
    assert.match(c.head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(c.head, /content-type: text\/plain/i);
    assert.equal(c.body.toString(), 'POST /anything yes');
    const put = await curlOnce(opts(`${b.url}/x`, { method: 'put' }));
    assert.equal(put.body.toString(), 'PUT /x ');
  });

  it('fails setup when nothing listens, and on bad input', async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    await assert.rejects(runLoad(opts(`http://127.0.0.1:${port}/`, { calls: 1 })), LoadSetupError);
    await assert.rejects(runLoad(opts('https://127.0.0.1/', { calls: 1 })), /only http/);
    await assert.rejects(runLoad(opts(b.url, { calls: 1, headers: ['nocolon'] })), /invalid header/);
  });
});

describe('through a forward proxy', () => {
  let proxy: NetServer;
  let proxyUrl = '';
  const seen: string[] = [];
  const sockets = new Set<Socket>();

  // A minimal sidecar stand-in: it answers every request itself after noting the request line,
  // so the test sees exactly what target the generator sent.
  before(async () => {
    proxy = createNetServer((sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      let buf = '';
      sock.on('data', (d) => {
        buf += d.toString('latin1');
        for (let at = buf.indexOf('\r\n\r\n'); at >= 0; at = buf.indexOf('\r\n\r\n')) {
          const head = buf.slice(0, at);
          buf = buf.slice(at + 4);
          seen.push(head.split('\r\n')[0]!);
          const absolute = /^[A-Z]+ http:\/\/[^/\s]+\/\S* HTTP\/1\.1$/.test(head.split('\r\n')[0]!);
          const host = /\r\nHost: ([^\r]+)/i.exec(head)?.[1] ?? '';
          const body = `${absolute ? 'absolute' : 'origin'} ${host}`;
          sock.write(`HTTP/1.1 ${absolute ? 200 : 400} X\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
        }
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  after(() => {
    for (const s of sockets) s.destroy();
    proxy.close();
  });

  it('-proxy sends absolute-form targets with the service Host', async () => {
    seen.length = 0;
    const r = await runLoad(
      opts('http://httpbin:8000/get?a=1', { calls: 6, connections: 2, proxy: proxyUrl }),
    );
    assert.deepEqual([...r.codes], [[200, 6]]);
    assert.equal(r.socketsUsed, 2);
    assert.ok(
      seen.every((l) => l === 'GET http://httpbin:8000/get?a=1 HTTP/1.1'),
      seen.join('\n'),
    );
    const c = await curlOnce(opts('http://httpbin:8000/get', { proxy: proxyUrl }));
    assert.equal(c.body.toString(), 'absolute httpbin:8000');
  });

  it('HTTP_PROXY is used for service names', async () => {
    seen.length = 0;
    const r = await runLoad(
      opts('http://reviews:9080/reviews/0', { calls: 2, env: { HTTP_PROXY: proxyUrl } }),
    );
    assert.deepEqual([...r.codes], [[200, 2]]);
    assert.deepEqual(seen, [
      'GET http://reviews:9080/reviews/0 HTTP/1.1',
      'GET http://reviews:9080/reviews/0 HTTP/1.1',
    ]);
  });
});

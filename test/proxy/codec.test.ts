// HTTP/1.1 codec conformance on real sockets: timeouts, 100-continue, streaming without
// buffering, bodiless responses, framing errors, upstream connection reuse.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import type { HttpConnectionManagerConfig } from '../../src/proxy/config/index.ts';
import { startProxy } from '../../src/proxy/index.ts';
import {
  chain,
  cluster,
  counters,
  exchange,
  hcm,
  httpOrigin,
  KeepAliveClient,
  listener,
  parseResponse,
  rawServer,
  request,
  route,
  routeAction,
  routeConfig,
  snapshot,
} from './harness.ts';

async function proxyTo(
  t: { after(fn: () => unknown): void },
  port: number,
  extra: Partial<HttpConnectionManagerConfig> = {},
  upgrades: string[] = [],
) {
  const p = await startProxy({
    snapshot: snapshot(
      [
        listener('http', [
          chain(hcm(routeConfig([route('/', routeAction('backend', { upgrades }))]), extra)),
        ]),
      ],
      [cluster('backend', [port])],
    ),
  });
  t.after(() => p.close());
  return { p, port: p.addresses().get('http')!.port };
}

/** Resolves when `cond()` holds, polling; rejects after `ms` so a broken engine fails, not hangs. */
async function until(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A proxy with `routes` (all to the origin's cluster 'backend') and connection-manager `extra`. */
async function proxyWithRoutes(
  t: { after(fn: () => unknown): void },
  originPort: number,
  routes: Parameters<typeof routeConfig>[0],
  extra: Partial<HttpConnectionManagerConfig>,
): Promise<number> {
  const p = await startProxy({
    snapshot: snapshot(
      [listener('http', [chain(hcm(routeConfig(routes), extra))])],
      [cluster('backend', [originPort])],
    ),
  });
  t.after(() => p.close());
  return p.addresses().get('http')!.port;
}

function client(port: number, t: { after(fn: () => unknown): void }): { s: Socket; text: () => string } {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => {});
  t.after(() => s.destroy());
  let text = '';
  s.on('data', (d) => {
    text += d.toString('latin1');
  });
  return { s, text: () => text };
}

test('request headers not complete within request_headers_timeout → 408, connection closed', async (t) => {
  const origin = await httpOrigin(() => 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  t.after(() => origin.close());
  const { p, port } = await proxyTo(t, origin.port, { requestHeadersTimeoutMs: 100 });
  const started = Date.now();
  const text = await exchange(port, 'GET / HTTP/1.1\r\nHost: a\r\n');
  assert.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*connection: close/);
  assert.ok(Date.now() - started >= 90);
  assert.equal(counters(p.stats)['http.ingress_http.downstream_rq_header_timeout'], 1);
  assert.equal(origin.heads.length, 0);
});

test('Expect: 100-continue is answered by the proxy at once; the upstream sees no Expect (Envoy default)', async (t) => {
  let seen = '';
  const origin = await rawServer((s) => {
    s.on('data', (d) => {
      seen += d.toString('latin1');
      // An upstream that never sends 100 itself: the client must not wait for it.
      if (seen.endsWith('hello')) s.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone');
    });
  });
  t.after(() => origin.close());
  const { p, port } = await proxyTo(t, origin.port);
  const c = client(port, t);
  c.s.write('POST /up HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n');
  await until(() => c.text().includes('\r\n\r\n'), '100 Continue', 1000);
  assert.equal(c.text(), 'HTTP/1.1 100 Continue\r\n\r\n');
  c.s.write('hello');
  await until(() => c.text().endsWith('done'), 'final response');
  assert.match(c.text(), /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  assert.doesNotMatch(seen, /expect:/i);
  assert.match(seen, /hello$/);
  const n = counters(p.stats);
  assert.equal(n['http.ingress_http.downstream_rq_1xx'], 1);
  assert.equal(n['http.ingress_http.downstream_rq_2xx'], 1);
});

test('an upstream 100 the client did not get Expect for under the default is not relayed', async (t) => {
  const origin = await rawServer((s) => {
    s.once('data', () =>
      s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
    );
  });
  t.after(() => origin.close());
  const { port } = await proxyTo(t, origin.port);
  const text = await exchange(port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.doesNotMatch(text, /100 Continue/);
});

test('proxy_100_continue: Expect goes upstream and the upstream 100 is relayed, then the final response', async (t) => {
  let seen = '';
  const origin = await rawServer((s) => {
    s.on('data', (d) => {
      const first = seen === '';
      seen += d.toString('latin1');
      if (first) s.write('HTTP/1.1 100 Continue\r\n\r\n');
      if (seen.endsWith('hello')) s.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone');
    });
  });
  t.after(() => origin.close());
  const { port } = await proxyTo(t, origin.port, { proxy100Continue: true });
  const c = client(port, t);
  c.s.write('POST /up HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n');
  await until(() => c.text().includes('\r\n\r\n'), '100 Continue');
  assert.match(c.text(), /^HTTP\/1\.1 100 Continue\r\n\r\n$/);
  c.s.write('hello');
  await until(() => c.text().endsWith('done'), 'final response');
  assert.match(c.text(), /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  assert.match(seen, /expect: 100-continue/i);
});

test('multi-MB request and response bodies stream: bytes reach the far side before the sender is done', async (t) => {
  const MB = 1024 * 1024;
  const total = 6 * MB;
  let upstreamBody = 0;
  let upstream: Socket | undefined;
  const origin = await rawServer((s) => {
    upstream = s;
    let head = true;
    let buf = '';
    s.on('data', (d) => {
      if (head) {
        buf += d.toString('latin1');
        const i = buf.indexOf('\r\n\r\n');
        if (i === -1) return;
        head = false;
        upstreamBody += Buffer.byteLength(buf.slice(i + 4), 'latin1');
      } else upstreamBody += d.length;
    });
  });
  t.after(() => origin.close());
  const { port } = await proxyTo(t, origin.port);
  const c = connect(port, '127.0.0.1');
  c.on('error', () => {});
  t.after(() => c.destroy());
  let downstream = 0;
  let responseHead = '';
  c.on('data', (d) => {
    if (!responseHead.includes('\r\n\r\n')) {
      responseHead += d.toString('latin1');
      const i = responseHead.indexOf('\r\n\r\n');
      if (i !== -1) downstream += Buffer.byteLength(responseHead.slice(i + 4), 'latin1');
    } else downstream += d.length;
  });
  // Request: the first MB, then the rest only once the origin has seen some of the body.
  c.write(`POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: ${total}\r\n\r\n`);
  c.write(Buffer.alloc(MB, 97));
  await until(() => upstreamBody > 0, 'request body bytes upstream before the client finished');
  c.write(Buffer.alloc(total - MB, 98));
  await until(() => upstreamBody === total, 'the whole request body upstream', 5000);
  // Response: the same the other way.
  upstream!.write(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
  upstream!.write(Buffer.alloc(MB, 99));
  await until(() => downstream > 0, 'response body bytes downstream before the origin finished');
  upstream!.write(Buffer.alloc(total - MB, 100));
  await until(() => downstream === total, 'the whole response body downstream', 5000);
  assert.match(responseHead, /^HTTP\/1\.1 200 OK\r\n/);
});

test('HEAD, 204 and 304 responses carry no body; the connection stays usable after each', async (t) => {
  const origin = await httpOrigin((head) => {
    const path = head.split(' ')[1];
    if (head.startsWith('HEAD ')) return 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n';
    if (path === '/204') return 'HTTP/1.1 204 No Content\r\n\r\n';
    if (path === '/304') return 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n';
    return 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nafter';
  });
  t.after(() => origin.close());
  const { port } = await proxyTo(t, origin.port);
  const kc = new KeepAliveClient(port);
  t.after(() => kc.close());
  const head = await kc.send('/h', {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '1000');
  assert.equal(head.raw.slice(head.raw.indexOf('\r\n\r\n') + 4), '');
  const nc = await kc.send('/204');
  assert.equal(nc.status, 204);
  assert.equal(nc.headers['transfer-encoding'], undefined);
  assert.equal(nc.raw.slice(nc.raw.indexOf('\r\n\r\n') + 4), '');
  const nm = await kc.send('/304');
  assert.equal(nm.status, 304);
  assert.equal(nm.headers['etag'], '"x"');
  assert.equal(nm.raw.slice(nm.raw.indexOf('\r\n\r\n') + 4), '');
  const after = await kc.send('/after');
  assert.equal(after.body, 'after');
  // A local reply to HEAD has no body either.
  const p404 = await startProxy({
    snapshot: snapshot([listener('http', [chain(hcm(routeConfig([])))])], []),
  });
  t.after(() => p404.close());
  const text = await exchange(
    p404.addresses().get('http')!.port,
    'HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n',
    (s) => s.includes('\r\n\r\n'),
  );
  assert.match(text, /^HTTP\/1\.1 404[\s\S]*\r\n\r\n$/);
});

test('framing errors: conflicting Content-Length → 400, Content-Length with chunked → 400, bad chunk → closed', async (t) => {
  const origin = await httpOrigin(() => 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx');
  t.after(() => origin.close());
  const { p, port } = await proxyTo(t, origin.port);
  const dup = await exchange(
    port,
    'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
  );
  assert.match(dup, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*connection: close/);
  const both = await exchange(
    port,
    'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  );
  assert.match(both, /^HTTP\/1\.1 400 Bad Request/);
  const noHost = await exchange(port, 'GET / HTTP/1.1\r\n\r\n');
  assert.match(noHost, /^HTTP\/1\.1 400 Bad Request/);
  const badVersion = await exchange(port, 'GET / HTTP/2.7\r\nHost: a\r\n\r\n');
  assert.match(badVersion, /^HTTP\/1\.1 400 Bad Request/);
  // Nothing malformed ever reached the origin.
  assert.equal(origin.heads.length, 0);
  assert.ok(counters(p.stats)['http.ingress_http.downstream_cx_protocol_error']! >= 4);
  // Bad chunk framing after the head went upstream: 400 to the client, connection closed.
  const badChunk = await exchange(
    port,
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n',
  );
  assert.match(badChunk, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*connection: close/);
  // An identical repeated Content-Length is one length (RFC 9110 §8.6) and is forwarded once.
  const same = await exchange(
    port,
    'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab',
    (s) => s.endsWith('x'),
  );
  assert.match(same, /^HTTP\/1\.1 200/);
  assert.equal(origin.heads.at(-1)!.match(/content-length/gi)?.length, 1);
  assert.doesNotMatch(origin.heads.at(-1)!, /content-length: 2,/i);
});

test('oversized request head → 431 at max_request_headers_kb', async (t) => {
  const origin = await httpOrigin(() => 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx');
  t.after(() => origin.close());
  const { port } = await proxyTo(t, origin.port, { maxRequestHeadersKb: 4 });
  const small = await exchange(port, `GET / HTTP/1.1\r\nHost: a\r\nX: ${'a'.repeat(3000)}\r\n\r\n`, (s) =>
    s.endsWith('x'),
  );
  assert.match(small, /^HTTP\/1\.1 200/);
  // Many headers, none long on its own: the whole head counts.
  const many = Array.from({ length: 100 }, (_, i) => `X-H${i}: ${'v'.repeat(50)}\r\n`).join('');
  assert.match(await exchange(port, `GET / HTTP/1.1\r\nHost: a\r\n${many}\r\n`), /^HTTP\/1\.1 431/);
});

test('keep-alive: sequential requests from different clients reuse one upstream connection', async (t) => {
  let accepted = 0;
  const origin = await rawServer((s) => {
    accepted++;
    s.on('data', (d) => {
      const n = d.toString('latin1').split('\r\n\r\n').length - 1;
      for (let i = 0; i < n; i++) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
  });
  t.after(() => origin.close());
  const { p, port } = await proxyTo(t, origin.port);
  for (let i = 0; i < 5; i++) assert.equal((await request(port, `/${i}`)).body, 'ok');
  const kc = new KeepAliveClient(port);
  t.after(() => kc.close());
  for (let i = 0; i < 5; i++) assert.equal((await kc.send(`/k${i}`)).body, 'ok');
  assert.equal(accepted, 1);
  const c = counters(p.stats);
  assert.equal(c['cluster.backend.upstream_cx_total'], 1);
  assert.equal(c['cluster.backend.upstream_rq_total'], 10);
});

test('bytes after a response body: the client gets the body only, the upstream connection is not reused', async (t) => {
  let accepted = 0;
  const origin = await rawServer((s) => {
    accepted++;
    // Body and stray bytes in one write, so they reach the proxy in the head's read.
    s.on('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokSTRAY'));
  });
  t.after(() => origin.close());
  const { p, port } = await proxyTo(t, origin.port);
  const kc = new KeepAliveClient(port);
  t.after(() => kc.close());
  for (let i = 0; i < 3; i++) {
    const r = await kc.send(`/s${i}`);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok');
  }
  assert.equal(accepted, 3);
  const c = counters(p.stats);
  assert.equal(c['cluster.backend.upstream_cx_total'], 3);
});

test('upgrade not allowed on the route → 403; WebSocket echo when allowed', async (t) => {
  const origin = await rawServer((s) => {
    let up = false;
    s.on('data', (d) => {
      if (!up) {
        up = true;
        s.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
        return;
      }
      s.write(d);
    });
  });
  t.after(() => origin.close());
  const denied = await proxyTo(t, origin.port);
  const r = await exchange(
    denied.port,
    'GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    (s) => parseResponse(s) !== undefined,
  );
  assert.match(r, /^HTTP\/1\.1 403/);
  const allowed = await proxyTo(t, origin.port, {}, ['websocket']);
  const c = client(allowed.port, t);
  c.s.write('GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
  await until(() => c.text().includes('\r\n\r\n'), '101');
  assert.match(c.text(), /^HTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*upgrade: websocket/i);
  const frame = Buffer.from([0x81, 0x85, 1, 2, 3, 4, 0x69, 0x67, 0x6f, 0x68, 0x6e]);
  c.s.write(frame);
  await until(() => c.text().endsWith(frame.toString('latin1')), 'echoed frame');
  assert.equal(counters(allowed.p.stats)['http.ingress_http.downstream_cx_upgrades_total'], 1);
  // A route's upgrade_configs entry with enabled: false refuses it even where the connection
  // manager allows it (Envoy: the route's entry decides).
  const offOnRoute = await startProxy({
    snapshot: snapshot(
      [
        listener('http', [
          chain(
            hcm(routeConfig([route('/', routeAction('backend', { disabledUpgrades: ['websocket'] }))]), {
              upgrades: ['websocket'],
            }),
          ),
        ]),
      ],
      [cluster('backend', [origin.port])],
    ),
  });
  t.after(() => offOnRoute.close());
  const refused = await exchange(
    offOnRoute.addresses().get('http')!.port,
    'GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    (s) => parseResponse(s) !== undefined,
  );
  assert.match(refused, /^HTTP\/1\.1 403/);
});

test('response heads: hop-by-hop fields out, names lower-cased, server replaced; access logs read the head as sent', async (t) => {
  const { mkdtemp, readFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'weft-resp-'));
  const logPath = join(dir, 'access.log');
  const origin = await httpOrigin((head) =>
    head.includes('/named')
      ? 'HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Hop\r\nX-Hop: secret\r\nX-Kept: yes\r\nContent-Length: 2\r\n\r\nok'
      : 'HTTP/1.1 200 OK\r\nServer: app/1.0\r\nX-Mixed-Case: Value\r\nKeep-Alive: timeout=5\r\n' +
        'Connection: keep-alive\r\nContent-Length: 2\r\n\r\nok',
  );
  const p = await startProxy({
    snapshot: snapshot(
      [
        listener('http', [
          chain(
            hcm(routeConfig([route('/', routeAction('backend'))]), {
              accessLog: [
                { path: logPath, textFormat: '%RESP(SERVER)% %RESP(X-MIXED-CASE)% %RESP(KEEP-ALIVE)%\n' },
              ],
            }),
          ),
        ]),
      ],
      [cluster('backend', [origin.port])],
      true,
    ),
  });
  t.after(async () => {
    await Promise.all([p.close(), origin.close()]);
    await rm(dir, { recursive: true, force: true });
  });
  const port = p.addresses().get('http')!.port;
  const text = await exchange(port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', (s) => s.endsWith('ok'));
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(head, /\r\nserver: envoy\r\n/);
  assert.match(head, /\r\nx-mixed-case: Value\r\n/);
  assert.match(head, /\r\nx-envoy-upstream-service-time: \d+/);
  assert.doesNotMatch(head, /keep-alive|app\/1\.0/i);
  assert.doesNotMatch(head, /Server|X-Mixed/);
  // A field the Connection header names is hop-by-hop too.
  const named = await exchange(port, 'GET /named HTTP/1.1\r\nHost: a\r\n\r\n', (s) => s.endsWith('ok'));
  assert.match(named, /\r\nx-kept: yes\r\n/);
  assert.doesNotMatch(named, /x-hop|secret/i);
  let log = '';
  for (let i = 0; i < 50 && !log.includes('\n'); i++) {
    log = await readFile(logPath, 'utf8').catch(() => '');
    if (!log.includes('\n')) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(log.split('\n')[0], 'envoy Value -');
});

test("a route's idle_timeout replaces stream_idle_timeout for the streams it routes (0 disables it)", async (t) => {
  // An upstream that takes the request and never answers.
  const origin = await rawServer(() => {});
  t.after(() => origin.close());
  const port = await proxyWithRoutes(
    t,
    origin.port,
    [
      route('/quick', routeAction('backend', { idleTimeoutMs: 150 })),
      route('/never', routeAction('backend', { idleTimeoutMs: 0 })),
      route('/', routeAction('backend')),
    ],
    { streamIdleTimeoutMs: 600 },
  );
  const timed = async (path: string) => {
    const started = Date.now();
    const text = await exchange(port, `GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`);
    return { text, ms: Date.now() - started };
  };
  const quick = await timed('/quick');
  assert.match(quick.text, /^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*\r\n\r\nstream timeout$/);
  assert.ok(quick.ms >= 140 && quick.ms < 550, `route idle timeout after ${quick.ms} ms`);
  const hcmWide = await timed('/other');
  assert.match(hcmWide.text, /^HTTP\/1\.1 408 /);
  assert.ok(hcmWide.ms >= 590, `connection manager's idle timeout after ${hcmWide.ms} ms`);
  // idle_timeout 0 on the route: no idle timeout even though the connection manager has one.
  const c = client(port, t);
  c.s.write('GET /never HTTP/1.1\r\nHost: a\r\n\r\n');
  await new Promise((r) => setTimeout(r, 900));
  assert.equal(c.text(), '', 'no answer after 1.5 × the connection manager idle timeout');
});

test('HTTP/1.0: 426 Upgrade Required unless accept_http_10; default_host_for_http_10 fills a missing Host', async (t) => {
  const origin = await httpOrigin((head) => {
    const host = /\r\nhost: ([^\r]*)/i.exec(head)?.[1] ?? '';
    return `HTTP/1.1 200 OK\r\nContent-Length: ${host.length}\r\n\r\n${host}`;
  });
  t.after(() => origin.close());
  const strict = await proxyTo(t, origin.port);
  const refused = await exchange(strict.port, 'GET / HTTP/1.0\r\nHost: a\r\n\r\n');
  assert.match(refused, /^HTTP\/1\.1 426 Upgrade Required\r\n/);
  assert.match(refused, /\r\n\r\nUpgrade Required$/);
  assert.equal(origin.heads.length, 0);
  assert.equal(counters(strict.p.stats)['http.ingress_http.downstream_cx_protocol_error'], 1);

  const lenient = await proxyTo(t, origin.port, { acceptHttp10: true, defaultHostForHttp10: 'legacy.local' });
  const withHost = parseResponse(await exchange(lenient.port, 'GET / HTTP/1.0\r\nHost: given\r\n\r\n'));
  assert.equal(withHost?.status, 200);
  assert.equal(withHost?.body, 'given');
  const noHost = parseResponse(await exchange(lenient.port, 'GET / HTTP/1.0\r\n\r\n'));
  assert.equal(noHost?.status, 200);
  assert.equal(noHost?.body, 'legacy.local');
  // Accepted but with no host at all: 400, as Envoy's missing_host_header.
  const bare = await proxyTo(t, origin.port, { acceptHttp10: true });
  assert.match(await exchange(bare.port, 'GET / HTTP/1.0\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request\r\n/);
});

test('more field lines than max_headers_count (default 100) → 431, connection closed', async (t) => {
  const origin = await httpOrigin(() => 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  t.after(() => origin.close());
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `x-h${i}: v\r\n`).join('');
  const dflt = await proxyTo(t, origin.port);
  // Host plus 99 others: exactly 100, accepted.
  const at = await exchange(dflt.port, `GET / HTTP/1.1\r\nHost: a\r\n${lines(99)}Connection: close\r\n\r\n`);
  assert.match(at, /^HTTP\/1\.1 431 /, 'Host + 99 + Connection is 101');
  const ok = await exchange(dflt.port, `GET / HTTP/1.1\r\nHost: a\r\n${lines(98)}Connection: close\r\n\r\n`);
  assert.match(ok, /^HTTP\/1\.1 200 /);
  const over = await exchange(dflt.port, `GET / HTTP/1.1\r\nHost: a\r\n${lines(120)}\r\n`);
  assert.match(over, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  assert.equal(origin.heads.length, 1);
  const small = await proxyTo(t, origin.port, { maxHeadersCount: 3 });
  assert.match(
    await exchange(small.port, `GET / HTTP/1.1\r\nHost: a\r\n${lines(3)}\r\n`),
    /^HTTP\/1\.1 431 /,
  );
});

test('request_headers_timeout runs from the first byte of a request, not from the accept', async (t) => {
  const origin = await httpOrigin(() => 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  t.after(() => origin.close());
  const { port } = await proxyTo(t, origin.port, { requestHeadersTimeoutMs: 100 });
  const c = client(port, t);
  let closed = false;
  c.s.on('close', () => {
    closed = true;
  });
  // Connected and silent for 3 × the timeout: still open (Envoy arms it on the first byte).
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(closed, false);
  assert.equal(c.text(), '');
  const started = Date.now();
  c.s.write('GET / HTTP/1.1\r\nHost: a\r\n');
  await until(() => closed, 'the 408 and close');
  assert.match(c.text(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.ok(Date.now() - started >= 90);
});

test('streams on one keep-alive connection each get their own idle and route timeouts', async (t) => {
  // Answers at once, except /hang and /t, which it takes and never answers.
  const origin = await httpOrigin((head) =>
    /^GET \/(hang|t)/.test(head) ? '' : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  );
  t.after(() => origin.close());
  const port = await proxyWithRoutes(
    t,
    origin.port,
    [
      route('/quick', routeAction('backend', { idleTimeoutMs: 100 })),
      route('/t', routeAction('backend', { timeoutMs: 200 })),
      route('/', routeAction('backend')),
    ],
    { streamIdleTimeoutMs: 300 },
  );

  const c = new KeepAliveClient(port);
  t.after(() => c.close());
  assert.equal((await c.send('/quick')).status, 200);
  // Longer than the stream idle timeout with no stream open: nothing times out, the connection stays.
  await new Promise((r) => setTimeout(r, 450));
  assert.equal((await c.send('/fast')).status, 200);
  // The next stream counts the connection manager's 300 ms again, not /quick's 100 ms.
  let started = Date.now();
  const hung = await c.send('/hang');
  let ms = Date.now() - started;
  assert.equal(hung.status, 408);
  assert.ok(ms >= 290 && ms < 450, `stream idle timeout after ${ms} ms`);

  // A route timeout on a later stream of a connection; the stream before it left no deadline behind.
  const d = new KeepAliveClient(port);
  t.after(() => d.close());
  assert.equal((await d.send('/fast')).status, 200);
  await new Promise((r) => setTimeout(r, 250));
  started = Date.now();
  const timedOut = await d.send('/t');
  ms = Date.now() - started;
  assert.equal(timedOut.status, 504);
  assert.ok(ms >= 190 && ms < 300, `route timeout after ${ms} ms`);
});

test("a finished stream's due timer checks do not reach the pipelined stream after it", async (t) => {
  // /a: idle_timeout 100 ms (checks every 25 ms) and a 51 ms route timeout, so its last idle check
  // and its 504 fall due together; /b, pipelined behind it, has no timeout of either kind.
  const origin = await rawServer(() => {});
  t.after(() => origin.close());
  const port = await proxyWithRoutes(
    t,
    origin.port,
    [
      route('/a', routeAction('backend', { idleTimeoutMs: 100, timeoutMs: 51 })),
      route('/b', routeAction('backend', { timeoutMs: 0 })),
    ],
    { streamIdleTimeoutMs: 0 },
  );
  for (let trial = 0; trial < 8; trial++) {
    const c = client(port, t);
    c.s.write('GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n');
    await new Promise((r) => setTimeout(r, 250));
    const codes = [...c.text().matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => m[1]);
    c.s.destroy();
    assert.deepEqual(codes, ['504'], `trial ${trial}: /b must get no answer, got ${codes}`);
  }
});

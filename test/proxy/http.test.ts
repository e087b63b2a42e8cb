import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startProxy } from '../../src/proxy/index.ts';
import {
  chain,
  cluster,
  exchange,
  hcm,
  httpOrigin,
  listener,
  rawServer,
  route,
  routeAction,
  routeConfig,
  snapshot,
} from './harness.ts';

async function proxyTo(ports: number[], routes = [route('/', routeAction('backend'))]) {
  const p = await startProxy({
    snapshot: snapshot(
      [listener('http', [chain(hcm(routeConfig(routes)))])],
      [cluster('backend', ports)],
      true,
    ),
  });
  return { p, port: p.addresses().get('http')!.port };
}

const ok = (body: string) => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

test('keep-alive and pipelining: three requests in one write, answered in order', async (t) => {
  const origin = await httpOrigin((head) => ok(head.split(' ')[1]!));
  const { p, port } = await proxyTo([origin.port]);
  t.after(() => Promise.all([p.close(), origin.close()]));
  const req = (path: string) => `GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`;
  const text = await exchange(port, req('/one') + req('/two') + req('/three'), (s) => s.endsWith('/three'));
  const bodies = [...text.matchAll(/\r\n\r\n(\/(?:one|two|three))/g)].map((m) => m[1]);
  assert.deepEqual(bodies, ['/one', '/two', '/three']);
  assert.match(text, /server: envoy/);
  assert.match(text, /date: /);
  assert.match(text, /x-envoy-upstream-service-time: \d+/);
  const h = origin.heads[0]!;
  assert.match(h, /x-request-id: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/);
  assert.match(h, /x-forwarded-for: 127\.0\.0\.1/);
  assert.match(h, /x-forwarded-proto: http/);
});

test('chunked request and response bodies with trailers pass through', async (t) => {
  let seen = '';
  const origin = await rawServer((s) => {
    s.on('data', (d) => {
      seen += d.toString('latin1');
      if (seen.includes('0\r\nx-req-t: 1\r\n\r\n')) {
        s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nx-res-t: 2\r\n\r\n');
      }
    });
  });
  const { p, port } = await proxyTo([origin.port]);
  t.after(() => Promise.all([p.close(), origin.close()]));
  const text = await exchange(
    port,
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nx-req-t: 1\r\n\r\n',
    (s) => s.endsWith('\r\n\r\n') && s.includes('x-res-t'),
  );
  assert.match(seen, /transfer-encoding: chunked/);
  assert.match(seen, /3\r\nabc\r\n0\r\nx-req-t: 1\r\n\r\n/);
  assert.match(text, /transfer-encoding: chunked/);
  assert.match(text, /5\r\nhello\r\n0\r\nx-res-t: 2\r\n\r\n$/);
});

test('malformed request → 400, oversized head → 431, absolute-form target → origin form + Host', async (t) => {
  const origin = await httpOrigin(() => ok('x'));
  const { p, port } = await proxyTo([origin.port]);
  t.after(() => Promise.all([p.close(), origin.close()]));
  assert.match(
    await exchange(port, 'GET / HTTP/1.1\r\nHost: a\r\n bad-fold\r\n\r\n'),
    /^HTTP\/1\.1 400 Bad Request/,
  );
  assert.match(
    await exchange(port, `GET / HTTP/1.1\r\nHost: a\r\nX: ${'a'.repeat(70 * 1024)}\r\n\r\n`),
    /^HTTP\/1\.1 431/,
  );
  const abs = await exchange(port, 'GET http://svc.local:9080/p?q=1 HTTP/1.1\r\nHost: ignored\r\n\r\n', (s) =>
    s.endsWith('x'),
  );
  assert.match(abs, /^HTTP\/1\.1 200/);
  assert.match(origin.heads.at(-1)!, /^GET \/p\?q=1 HTTP\/1\.1/);
  assert.match(origin.heads.at(-1)!, /host: svc\.local:9080/);
});

test('no route → 404 with an empty body; no endpoints → 503 no healthy upstream; closed port → 503 UF', async (t) => {
  const closed = await rawServer(() => {});
  const closedPort = closed.port;
  await closed.close();
  const p = await startProxy({
    snapshot: snapshot(
      [
        listener('http', [
          chain(
            hcm(routeConfig([route('/empty', routeAction('empty')), route('/down', routeAction('down'))])),
          ),
        ]),
      ],
      [cluster('empty', []), cluster('down', [closedPort])],
    ),
  });
  t.after(() => p.close());
  const port = p.addresses().get('http')!.port;
  assert.match(
    await exchange(port, 'GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n', (s) => s.includes('\r\n\r\n')),
    /^HTTP\/1\.1 404 Not Found\r\n[\s\S]*content-length: 0/,
  );
  const uh = await exchange(port, 'GET /empty HTTP/1.1\r\nHost: a\r\n\r\n', (s) =>
    s.endsWith('no healthy upstream'),
  );
  assert.match(uh, /^HTTP\/1\.1 503[\s\S]*\r\n\r\nno healthy upstream$/);
  const uf = await exchange(port, 'GET /down HTTP/1.1\r\nHost: a\r\n\r\n', (s) =>
    /delayed connect error|transport failure reason: .+$/.test(s),
  );
  assert.match(
    uf,
    /^HTTP\/1\.1 503[\s\S]*upstream connect error or disconnect\/reset before headers\. reset reason: remote connection failure, transport failure reason: /,
  );
  const flat = Object.fromEntries(p.stats.counters().map((c) => [c.name, c.value]));
  assert.equal(flat['http.ingress_http.downstream_rq_4xx'], 1);
  assert.equal(flat['http.ingress_http.downstream_rq_5xx'], 2);
  assert.equal(flat['http.ingress_http.no_route'], 1);
});

test('route timeout → 504 upstream request timeout', async (t) => {
  const silent = await rawServer(() => {});
  const { p, port } = await proxyTo([silent.port], [route('/', routeAction('backend', { timeoutMs: 200 }))]);
  t.after(() => Promise.all([p.close(), silent.close()]));
  const text = await exchange(port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', (s) =>
    s.endsWith('upstream request timeout'),
  );
  assert.match(text, /^HTTP\/1\.1 504 Gateway Timeout[\s\S]*upstream request timeout$/);
});

test('direct response and redirect', async (t) => {
  const p = await startProxy({
    snapshot: snapshot(
      [
        listener('http', [
          chain(
            hcm(
              routeConfig([
                route('/direct', { kind: 'direct_response', status: 200, body: 'hi there' }),
                route('/old', {
                  kind: 'redirect',
                  pathRedirect: '/new',
                  responseCode: 301,
                  stripQuery: false,
                }),
              ]),
            ),
          ),
        ]),
      ],
      [],
    ),
  });
  t.after(() => p.close());
  const port = p.addresses().get('http')!.port;
  assert.match(
    await exchange(port, 'GET /direct HTTP/1.1\r\nHost: a\r\n\r\n', (s) => s.endsWith('hi there')),
    /^HTTP\/1\.1 200[\s\S]*hi there$/,
  );
  assert.match(
    await exchange(port, 'GET /old HTTP/1.1\r\nHost: a\r\n\r\n', (s) => s.includes('\r\n\r\n')),
    /^HTTP\/1\.1 301[\s\S]*location: http:\/\/a\/new/,
  );
});

test('WebSocket upgrade is passed through as a raw pipe when the route allows it', async (t) => {
  const origin = await rawServer((s) => {
    let upgraded = false;
    s.on('data', (d) => {
      if (!upgraded) {
        upgraded = true;
        s.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
        return;
      }
      s.write(Buffer.concat([Buffer.from('echo:'), d]));
    });
  });
  const { p, port } = await proxyTo(
    [origin.port],
    [route('/', routeAction('backend', { upgrades: ['websocket'] }))],
  );
  t.after(() => Promise.all([p.close(), origin.close()]));
  const { connect } = await import('node:net');
  const s = connect(port, '127.0.0.1');
  t.after(() => s.destroy());
  let got = '';
  await new Promise<void>((resolve) => {
    s.on('data', (d) => {
      got += d.toString();
      if (got.includes('\r\n\r\n') && !got.includes('echo')) s.write('ping');
      if (got.includes('echo:ping')) resolve();
    });
    s.write('GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
  });
  assert.match(got, /^HTTP\/1\.1 101/);
  assert.match(got, /echo:ping$/);
});

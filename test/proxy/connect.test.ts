// CONNECT on the HTTP proxy listener (upgrade_configs CONNECT): the proxy terminates the tunnel and
// routes each HTTP/1.1 request inside it on its own Host, as Weft's explicit-mode sidecars need for
// clients (Node's fetch with NODE_USE_ENV_PROXY=1) that tunnel even http:// requests.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import type { RouteConfig } from '../../src/proxy/config/index.ts';
import { startProxy } from '../../src/proxy/index.ts';
import {
  chain,
  cluster,
  counters,
  exchange,
  hcm,
  httpOrigin,
  listener,
  parseResponse,
  route,
  routeAction,
  snapshot,
} from './harness.ts';

const noMutation = () => ({ add: [], remove: [] });

/** Two services as the http_proxy table has them: `host:port` domains, one cluster each. */
function twoServices(): RouteConfig {
  const vh = (name: string, domains: string[]) => ({
    name,
    domains,
    routes: [route('/', routeAction(name))],
    requestHeaders: noMutation(),
    responseHeaders: noMutation(),
  });
  return {
    name: 'http_proxy',
    virtualHosts: [vh('reviews', ['reviews:9080']), vh('ratings', ['ratings:9080'])],
    requestHeaders: noMutation(),
    responseHeaders: noMutation(),
  };
}

const ok = (body: string) => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

async function mesh(upgrades = ['websocket', 'connect']) {
  const reviews = await httpOrigin((head) => ok(`reviews ${head.split(' ')[1]}`));
  const ratings = await httpOrigin((head) => ok(`ratings ${head.split(' ')[1]}`));
  const p = await startProxy({
    snapshot: snapshot(
      [listener('http_proxy', [chain(hcm(twoServices(), { statPrefix: 'outbound', upgrades }))])],
      [cluster('reviews', [reviews.port]), cluster('ratings', [ratings.port])],
      true,
    ),
  });
  const port = p.addresses().get('http_proxy')!.port;
  const close = () => Promise.all([p.close(), reviews.close(), ratings.close()]);
  return { p, port, reviews, ratings, close };
}

/** A raw client: write bytes, then wait until the text received so far satisfies `until`. */
function rawClient(port: number): {
  socket: Socket;
  next(data: string, until: (t: string) => boolean): Promise<string>;
} {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  let buf = '';
  let waiter: (() => void) | undefined;
  socket.on('data', (d) => {
    buf += d.toString('latin1');
    waiter?.();
  });
  socket.on('close', () => waiter?.());
  return {
    socket,
    next(data, until) {
      buf = '';
      socket.write(data);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(buf)}`)), 3000);
        waiter = () => {
          if (until(buf) || socket.destroyed) {
            clearTimeout(timer);
            waiter = undefined;
            resolve(buf);
          }
        };
        waiter();
      });
    },
  };
}

test('CONNECT, then keep-alive requests inside the tunnel, each routed on its own Host', async (t) => {
  const m = await mesh();
  t.after(m.close);
  const c = rawClient(m.port);
  t.after(() => c.socket.destroy());
  const established = await c.next(
    'CONNECT reviews:9080 HTTP/1.1\r\nHost: reviews:9080\r\nConnection: close\r\n\r\n',
    (s) => s.endsWith('\r\n\r\n'),
  );
  assert.equal(established, 'HTTP/1.1 200 Connection established\r\n\r\n');
  const done = (s: string) => parseResponse(s) !== undefined;
  const first = parseResponse(await c.next('GET /reviews/0 HTTP/1.1\r\nHost: reviews:9080\r\n\r\n', done))!;
  assert.equal(first.status, 200);
  assert.equal(first.body, 'reviews /reviews/0');
  const second = parseResponse(await c.next('GET /ratings/0 HTTP/1.1\r\nHost: ratings:9080\r\n\r\n', done))!;
  assert.equal(second.body, 'ratings /ratings/0', 'the Host decides, not the CONNECT authority');
  // HTTP/1.1 requires a Host; inside the tunnel a request without one goes to the CONNECT's authority.
  const third = parseResponse(await c.next('GET /no-host HTTP/1.1\r\n\r\n', done))!;
  assert.equal(third.body, 'reviews /no-host');
  assert.match(m.reviews.heads[1]!, /host: reviews:9080/);
  assert.match(m.ratings.heads[0]!, /x-request-id: /, 'inner requests get the HCM request handling');
  assert.equal(c.socket.destroyed, false, 'the tunnel stays open');
  const stats = counters(m.p.stats);
  assert.equal(stats['http.outbound.downstream_rq_2xx'], 4, 'the CONNECT and the three requests');
  assert.equal(stats['cluster.reviews.upstream_rq_total'], 2);
  assert.equal(stats['cluster.ratings.upstream_rq_total'], 1);
  assert.equal(stats['http.outbound.downstream_cx_total'], 1);
});

test('CONNECT to an authority no virtual host matches: 404 NR; CONNECT not enabled: 403', async (t) => {
  const m = await mesh();
  t.after(m.close);
  const text = await exchange(m.port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
  assert.match(text, /^HTTP\/1\.1 404 Not Found\r\n/);
  assert.match(text, /connection: close/, 'what would follow is tunnel bytes: the connection ends');
  assert.equal(counters(m.p.stats)['http.outbound.no_route'], 1);

  const off = await mesh(['websocket']);
  t.after(off.close);
  const refused = await exchange(off.port, 'CONNECT reviews:9080 HTTP/1.1\r\nHost: reviews:9080\r\n\r\n');
  assert.match(refused, /^HTTP\/1\.1 403 Forbidden\r\n/);
  assert.equal(off.reviews.heads.length, 0);
});

test("Node's fetch with NODE_USE_ENV_PROXY=1 tunnels through the proxy and reaches the service", async (t) => {
  const m = await mesh();
  t.after(m.close);
  const script = `
    const r = await fetch('http://ratings:9080/ratings/7');
    const again = await fetch('http://reviews:9080/reviews/1');
    console.log(JSON.stringify([r.status, await r.text(), again.status, await again.text()]));`;
  const out = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      {
        env: { PATH: process.env['PATH'], NODE_USE_ENV_PROXY: '1', HTTP_PROXY: `http://127.0.0.1:${m.port}` },
        timeout: 10_000,
      },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
  assert.deepEqual(JSON.parse(out), [200, 'ratings /ratings/7', 200, 'reviews /reviews/1']);
  assert.match(m.ratings.heads[0]!, /^GET \/ratings\/7 HTTP\/1\.1/);
});

test('a tunnel that carries TLS (https:// through the proxy) is relayed as TCP to the routed cluster', async (t) => {
  const { readFileSync } = await import('node:fs');
  const tls = await import('node:tls');
  const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  const cert = fixture('a.example.com.crt');
  // The TLS origin answers one HTTP request inside TLS with what it saw.
  const origin = tls.createServer({ cert, key: fixture('a.example.com.key') }, (s) => {
    s.once('data', (d) => {
      const line = d.toString('latin1').split('\r\n')[0]!;
      s.end(ok(`secure ${line}`));
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const originPort = (origin.address() as { port: number }).port;
  const vh = {
    name: 'secure',
    domains: ['a.example.com:443'],
    routes: [route('/', routeAction('secure'))],
    requestHeaders: noMutation(),
    responseHeaders: noMutation(),
  };
  const table: RouteConfig = {
    name: 'http_proxy',
    virtualHosts: [vh],
    requestHeaders: noMutation(),
    responseHeaders: noMutation(),
  };
  const p = await startProxy({
    snapshot: snapshot(
      [listener('http_proxy', [chain(hcm(table, { statPrefix: 'outbound', upgrades: ['connect'] }))])],
      [cluster('secure', [originPort])],
      true,
    ),
  });
  t.after(() => Promise.all([p.close(), new Promise((r) => origin.close(r))]));
  const port = p.addresses().get('http_proxy')!.port;
  const raw = connect(port, '127.0.0.1');
  raw.on('error', () => {});
  await new Promise<void>((r) => raw.once('connect', r));
  raw.write('CONNECT a.example.com:443 HTTP/1.1\r\nHost: a.example.com:443\r\n\r\n');
  const established = await new Promise<string>((r) => raw.once('data', (d) => r(d.toString('latin1'))));
  assert.match(established, /^HTTP\/1\.1 200 /);
  // TLS inside the tunnel, verified against the origin's certificate: the bytes reached it intact.
  const secure = tls.connect({ socket: raw, servername: 'a.example.com', ca: cert });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  secure.write('GET /inside HTTP/1.1\r\nHost: a.example.com\r\n\r\n');
  const answer = await new Promise<string>((resolve) => {
    let text = '';
    secure.on('data', (d) => {
      text += d.toString('latin1');
      if (text.includes('secure GET')) resolve(text);
    });
  });
  assert.match(answer, /secure GET \/inside HTTP\/1\.1/);
  secure.destroy();
  const c = counters(p.stats);
  assert.equal(c['cluster.secure.upstream_cx_total'], 1);
});

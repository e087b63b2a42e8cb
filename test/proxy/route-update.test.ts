// Config updates on connections already open, as Envoy applies them: a route (RDS) or cluster
// (CDS) update reaches the next request on a kept-alive connection; a request in flight when the
// update lands finishes on the routes it started with; a changed listener (LDS) leaves its open
// connections on the chain they were accepted with.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterConfig, ProxySnapshot, RouteConfig } from '../../src/proxy/config/index.ts';
import { type ProxyHandle, startProxy } from '../../src/proxy/index.ts';
import {
  chain,
  cluster,
  hcm,
  httpOrigin,
  KeepAliveClient,
  listener,
  rawServer,
  request,
  route,
  routeAction,
  routeConfig,
  snapshot,
} from './harness.ts';

const direct = (body: string) => ({ kind: 'direct_response' as const, status: 200, body });

/** A listener whose HCM takes route configuration 'rc' from RDS (snapshot.routes). */
function rdsSnapshot(rc: RouteConfig, clusters: ClusterConfig[] = []): ProxySnapshot {
  const { routeConfig: _inline, ...viaRds } = hcm(rc);
  const s = snapshot([listener('http', [chain({ ...viaRds, rdsRouteConfigName: 'rc' })])], clusters);
  return { ...s, routes: new Map([['rc', rc]]) };
}

async function start(t: { after(fn: () => unknown): void }, s: ProxySnapshot) {
  const p = await startProxy({ snapshot: s });
  t.after(() => p.close());
  return { p, port: p.addresses().get('http')!.port };
}

async function applied(p: ProxyHandle, s: ProxySnapshot): Promise<void> {
  assert.deepEqual(await p.update(s), []);
}

/** An origin that answers `<name>`. */
async function named(t: { after(fn: () => unknown): void }, name: string) {
  const o = await httpOrigin(() => `HTTP/1.1 200 OK\r\nContent-Length: ${name.length}\r\n\r\n${name}`);
  t.after(() => o.close());
  return o;
}

test('RDS update: the next request on a kept-alive connection takes the new routes', async (t) => {
  const { p, port } = await start(t, rdsSnapshot(routeConfig([route('/', direct('old'))])));
  const client = new KeepAliveClient(port);
  t.after(() => client.close());
  assert.equal((await client.send('/')).body, 'old');

  await applied(p, rdsSnapshot(routeConfig([route('/', direct('new'))])));
  assert.equal((await client.send('/')).body, 'new', 'same connection, next request');
  assert.equal((await request(port, '/')).body, 'new', 'new connection');
});

test('CDS + RDS update: a kept-alive connection reaches a cluster that arrived with the update', async (t) => {
  const a = await named(t, 'a');
  const b = await named(t, 'b');
  const toA = rdsSnapshot(routeConfig([route('/', routeAction('a'))]), [cluster('a', [a.port])]);
  const { p, port } = await start(t, toA);
  const client = new KeepAliveClient(port);
  t.after(() => client.close());
  assert.equal((await client.send('/')).body, 'a');

  const toB = rdsSnapshot(routeConfig([route('/', routeAction('b'))]), [
    cluster('a', [a.port]),
    cluster('b', [b.port]),
  ]);
  await applied(p, toB);
  assert.equal((await client.send('/')).body, 'b');
});

test('a request in flight during an RDS update completes on its old route; the next one moves', async (t) => {
  // Origin 'a' holds its answer until released, so the update lands while the request is open.
  let arrived!: () => void;
  const atOrigin = new Promise<void>((r) => (arrived = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const a = await rawServer((s) => {
    let seen = '';
    s.on('data', (d) => {
      seen += d.toString('latin1');
      if (!seen.includes('\r\n\r\n')) return;
      seen = '';
      arrived();
      void released.then(() => s.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na'));
    });
  });
  t.after(() => a.close());
  const b = await named(t, 'b');
  const clusters = [cluster('a', [a.port]), cluster('b', [b.port])];
  const { p, port } = await start(t, rdsSnapshot(routeConfig([route('/', routeAction('a'))]), clusters));
  const client = new KeepAliveClient(port);
  t.after(() => client.close());

  const first = client.send('/');
  await atOrigin;
  await applied(p, rdsSnapshot(routeConfig([route('/', routeAction('b'))]), clusters));
  release();
  assert.equal((await first).body, 'a', 'the request in flight stays on the route it started with');
  assert.equal((await client.send('/')).body, 'b', 'the next request on that connection moves');
});

test('LDS update (inline routes changed): open connections keep their chain, new ones get the new', async (t) => {
  const inline = (body: string) =>
    snapshot([listener('http', [chain(hcm(routeConfig([route('/', direct(body))])))])], []);
  const { p, port } = await start(t, inline('old'));
  const client = new KeepAliveClient(port);
  t.after(() => client.close());
  assert.equal((await client.send('/')).body, 'old');

  await applied(p, inline('new'));
  assert.equal((await request(port, '/')).body, 'new', 'new connection');
  assert.equal(
    (await client.send('/')).body,
    'old',
    'the open connection keeps the chain it was accepted with',
  );
});

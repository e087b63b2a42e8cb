// tcp_proxy on real sockets: echo, weighted clusters, connect failure, idle timeout, stats.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import type { TcpProxyConfig } from '../../src/proxy/config/index.ts';
import { startProxy } from '../../src/proxy/index.ts';
import { chain, cluster, counters, listener, rawServer, snapshot, tcpProxy } from './harness.ts';

async function start(
  t: { after(fn: () => unknown): void },
  filter: TcpProxyConfig,
  clusters: ReturnType<typeof cluster>[],
) {
  const p = await startProxy({ snapshot: snapshot([listener('tcp', [chain(filter)])], clusters) });
  t.after(() => p.close());
  return { p, port: p.addresses().get('tcp')!.port };
}

/** Connects, writes `send` (if any), and resolves with what came back once the proxy closed. */
function session(port: number, send?: string, closeAfter?: (got: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const s: Socket = connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`session on ${port} did not end; got ${JSON.stringify(got)}`));
    }, 3000);
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (closeAfter?.(got)) s.end();
    });
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    if (send !== undefined) s.write(send);
  });
}

test('echo through tcp_proxy; half-close is propagated; tcp.<prefix> stats count', async (t) => {
  const echo = await rawServer((s) => {
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end());
  });
  t.after(() => echo.close());
  const { p, port } = await start(t, tcpProxy('echo'), [cluster('echo', [echo.port])]);
  const big = 'x'.repeat(256 * 1024);
  const got = await session(port, `hello ${big}`, (g) => g.length === big.length + 6);
  assert.equal(got, `hello ${big}`);
  assert.equal(await session(port, 'again', (g) => g === 'again'), 'again');
  // Closing our side first (FIN) still gets everything the origin sends back.
  const half = await new Promise<string>((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => {
      got += d;
    });
    s.on('close', () => resolve(got));
    s.end('bye');
  });
  assert.equal(half, 'bye');
  const c = counters(p.stats);
  assert.equal(c['tcp.tcp_in.downstream_cx_total'], 3);
  assert.ok(c['tcp.tcp_in.downstream_cx_rx_bytes_total']! >= big.length);
  assert.equal(c['cluster.echo.upstream_cx_total'], 3);
});

test('weighted clusters split 200 connections 75/25 within a 0.999 tolerance', async (t) => {
  const greet = (name: string) => rawServer((s) => s.end(name));
  const [a, b] = await Promise.all([greet('a'), greet('b')]);
  t.after(() => Promise.all([a.close(), b.close()]));
  const { port } = await start(
    t,
    tcpProxy([
      { name: 'a', weight: 75 },
      { name: 'b', weight: 25 },
    ]),
    [cluster('a', [a.port]), cluster('b', [b.port])],
  );
  const n = 200;
  let toB = 0;
  for (let i = 0; i < n; i += 20) {
    const batch = await Promise.all(Array.from({ length: 20 }, () => session(port)));
    for (const g of batch) {
      assert.ok(g === 'a' || g === 'b', g);
      if (g === 'b') toB++;
    }
  }
  // Binomial(200, 0.25): mean 50, sd 6.1; ±22 is 3.6 sd, failing with probability < 0.0004.
  assert.ok(Math.abs(toB - 50) <= 22, `b got ${toB} of ${n}`);
});

test('upstream connect failure closes the downstream connection', async (t) => {
  const closed = await rawServer(() => {});
  const closedPort = closed.port;
  await closed.close();
  const { p, port } = await start(t, tcpProxy('down'), [cluster('down', [closedPort]), cluster('none', [])]);
  assert.equal(await session(port, 'anyone there?'), '');
  assert.equal(counters(p.stats)['cluster.down.upstream_cx_connect_fail'], 1);
  // No endpoints at all: closed too.
  const none = await start(t, tcpProxy('none'), [cluster('none', [])]);
  assert.equal(await session(none.port, 'x'), '');
  assert.equal(counters(none.p.stats)['cluster.none.upstream_cx_none_healthy'], 1);
});

test('idle timeout closes a connection with no traffic either way', async (t) => {
  const quiet = await rawServer(() => {});
  t.after(() => quiet.close());
  const { p, port } = await start(t, { ...tcpProxy('quiet'), idleTimeoutMs: 400 }, [
    cluster('quiet', [quiet.port]),
  ]);
  const started = Date.now();
  assert.equal(await session(port), '');
  const took = Date.now() - started;
  // Between the setting and 1.25 × it (a check every quarter), not up to twice it.
  assert.ok(took >= 390 && took < 650, `closed after ${took} ms, the idle timeout is 400 ms`);
  assert.equal(counters(p.stats)['tcp.tcp_in.idle_timeout'], 1);
});

test('max_connect_attempts: a failed connect is tried again, on a host chosen anew', async (t) => {
  const live = await rawServer((s) => s.on('data', (d) => s.write(d)));
  t.after(() => live.close());
  const gone = await rawServer(() => {});
  const deadPort = gone.port;
  await gone.close();
  // One dead host: three attempts, then the connection is closed.
  const dead = await start(t, { ...tcpProxy('dead'), maxConnectAttempts: 3 }, [cluster('dead', [deadPort])]);
  assert.equal(await session(dead.port, 'x'), '');
  const n = counters(dead.p.stats);
  assert.equal(n['cluster.dead.upstream_cx_connect_fail'], 3);
  assert.equal(n['cluster.dead.upstream_cx_connect_attempts_exceeded'], 1);
  // A dead and a live host, round robin: whichever comes first, the echo works.
  const mixed = await start(t, { ...tcpProxy('mixed'), maxConnectAttempts: 2 }, [
    cluster('mixed', [deadPort, live.port]),
  ]);
  for (let i = 0; i < 2; i++)
    assert.equal(await session(mixed.port, 'ping', (got) => got === 'ping'), 'ping', `connection ${i}`);
});

test('byte counters move while the connection is open, and are not counted twice at close', async (t) => {
  const echo = await rawServer((s) => s.on('data', (d) => s.write(d)));
  t.after(() => echo.close());
  const { p, port } = await start(t, tcpProxy('echo'), [cluster('echo', [echo.port])]);
  const s = connect(port, '127.0.0.1');
  t.after(() => s.destroy());
  let got = 0;
  s.on('data', (d) => {
    got += d.length;
  });
  s.write(Buffer.alloc(1000, 97));
  for (let i = 0; i < 200 && got < 1000; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(got, 1000);
  const open = counters(p.stats);
  assert.equal(open['tcp.tcp_in.downstream_cx_rx_bytes_total'], 1000);
  assert.equal(open['tcp.tcp_in.downstream_cx_tx_bytes_total'], 1000);
  assert.equal(open['cluster.echo.upstream_cx_tx_bytes_total'], 1000);
  assert.equal(open['cluster.echo.upstream_cx_rx_bytes_total'], 1000);
  await new Promise<void>((resolve) => {
    s.on('close', () => resolve());
    s.end();
  });
  for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 5));
  const closed = counters(p.stats);
  assert.equal(closed['tcp.tcp_in.downstream_cx_rx_bytes_total'], 1000);
  assert.equal(closed['cluster.echo.upstream_cx_rx_bytes_total'], 1000);
});

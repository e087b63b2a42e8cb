import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { StatsStore } from '../observe/index.ts';
import { assignment, clusterConfig } from './fixtures.test.ts';
import { ClusterManager, type UpstreamConnection, type UpstreamFailure } from './index.ts';

/** A keep-alive HTTP/1.1 server answering every request head with a 2-byte body; counts connections. */
async function keepAliveServer(): Promise<{
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      while (buf.includes('\r\n\r\n')) {
        buf = buf.slice(buf.indexOf('\r\n\r\n') + 4);
        s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

type Acquired = { failure: UpstreamFailure | undefined; conn: UpstreamConnection | undefined };

function acquire(pool: { acquire: ManagerPool['acquire'] }): Promise<Acquired> {
  return new Promise((resolve) => {
    pool.acquire((failure, conn) => resolve({ failure, conn }));
  });
}
type ManagerPool = ReturnType<typeof setup>['host']['pool'];

function setup(port: number, over: Parameters<typeof clusterConfig>[1] = {}) {
  const stats = new StatsStore();
  const cm = new ClusterManager(stats);
  const errors = cm.update({
    clusters: [clusterConfig('c', over)],
    endpoints: new Map([['c', assignment('c', [{ host: '127.0.0.1', port }])]]),
  });
  assert.deepEqual(errors, []);
  const cluster = cm.get('c')!;
  return { stats, cm, cluster, host: cluster.hosts[0]! };
}

/** One request/response exchange on a pooled connection; resolves when the 2-byte body arrived. */
function exchange(conn: UpstreamConnection): Promise<void> {
  return new Promise((resolve) => {
    let got = '';
    // Reads come through the connection's handler (plain-TCP pool sockets emit no 'data').
    conn.handler = {
      onUpstreamData: (d: Buffer): void => {
        got += d.toString('latin1');
        if (got.endsWith('\r\n\r\nok')) {
          conn.handler = undefined;
          resolve();
        }
      },
      onUpstreamClose: () => {},
      onUpstreamDrain: () => {},
    };
    conn.socket.write('GET / HTTP/1.1\r\nhost: c\r\n\r\n');
  });
}

test('sequential requests reuse one keep-alive socket', async (t) => {
  const server = await keepAliveServer();
  const { stats, cm, host } = setup(server.port);
  t.after(async () => {
    cm.close();
    await server.close();
  });
  for (let i = 0; i < 3; i++) {
    const { failure, conn } = await acquire(host.pool);
    assert.equal(failure, undefined);
    await exchange(conn!);
    host.pool.release(conn!, true);
  }
  assert.equal(server.connections(), 1);
  assert.equal(host.pool.idleCount, 1);
  assert.equal(stats.counter('cluster.c.upstream_cx_total').value, 1);
  assert.equal(stats.counter('cluster.c.upstream_cx_http1_total').value, 1);
  assert.equal(stats.counter('cluster.c.upstream_rq_total').value, 3);
  assert.equal(stats.gauge('cluster.c.upstream_rq_active').value, 0);
  assert.equal(stats.gauge('cluster.c.upstream_cx_active').value, 1);
  assert.equal(host.stats.rqTotal, 3);
});

test("an object handler gets the pool's answer: later for a new connection, at once for an idle one", async (t) => {
  const server = await keepAliveServer();
  const { cm, host } = setup(server.port);
  t.after(async () => {
    cm.close();
    await server.close();
  });
  const calls: Acquired[] = [];
  const handler = {
    onPoolResult(failure: UpstreamFailure | undefined, conn: UpstreamConnection | undefined): void {
      calls.push({ failure, conn });
    },
  };
  // No connection yet: the answer comes once one is open, and the handle could cancel it meanwhile.
  const pending = host.pool.acquire(handler);
  assert.ok(pending !== undefined);
  assert.equal(calls.length, 0);
  for (let i = 0; i < 200 && calls.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(calls.length, 1);
  const first = calls[0]!;
  assert.equal(first.failure, undefined);
  await exchange(first.conn!);
  host.pool.release(first.conn!, true);
  // An idle keep-alive connection: answered before acquire returns, no handle.
  assert.equal(host.pool.acquire(handler), undefined);
  assert.equal(calls.length, 2);
  assert.equal(calls[1]!.conn, first.conn);
  host.pool.release(calls[1]!.conn!, true);
});

test('max_requests_per_connection and non-reusable release close the socket', async (t) => {
  const server = await keepAliveServer();
  const { stats, cm, host } = setup(server.port, { maxRequestsPerConnection: 2 });
  t.after(async () => {
    cm.close();
    await server.close();
  });
  for (let i = 0; i < 4; i++) {
    const { conn } = await acquire(host.pool);
    await exchange(conn!);
    host.pool.release(conn!, true);
    if (conn!.requests === 2) await new Promise((r) => conn!.socket.once('close', r));
  }
  assert.equal(server.connections(), 2);
  assert.equal(stats.counter('cluster.c.upstream_cx_max_requests').value, 2);
  const { conn } = await acquire(host.pool);
  host.pool.release(conn!, false);
  await new Promise((r) => conn!.socket.once('close', r));
  assert.equal(host.pool.idleCount, 0);
  assert.equal(stats.counter('cluster.c.upstream_cx_destroy').value, 3);
});

test('circuit breakers: queue at max_connections, overflow beyond max_pending_requests (UO)', async (t) => {
  const server = await keepAliveServer();
  const { stats, cm, host, cluster } = setup(server.port, {
    circuitBreakers: { maxConnections: 1, maxPendingRequests: 1, maxRequests: 1024, maxRetries: 3 },
  });
  t.after(async () => {
    cm.close();
    await server.close();
  });
  const a = await acquire(host.pool);
  assert.ok(a.conn);
  let bConn: UpstreamConnection | undefined;
  const queued = host.pool.acquire((_f, conn) => {
    bConn = conn;
  });
  assert.ok(queued, 'B waits as a pending request');
  assert.equal(stats.counter('cluster.c.upstream_cx_overflow').value, 1);
  assert.equal(stats.gauge('cluster.c.upstream_rq_pending_active').value, 1);
  assert.equal(stats.gauge('cluster.c.circuit_breakers.default.cx_open').value, 1);
  const c = await acquire(host.pool);
  assert.equal(c.failure?.kind, 'overflow');
  assert.equal(c.failure?.responseFlag, 'UO');
  assert.equal(stats.counter('cluster.c.upstream_rq_pending_overflow').value, 1);
  await exchange(a.conn!);
  host.pool.release(a.conn!, true);
  assert.equal(bConn?.socket, a.conn!.socket, 'B gets the released socket');
  host.pool.release(bConn!, true);
  assert.equal(server.connections(), 1);
  assert.equal(cluster.circuitBreakers.inUse('requests'), 0);
  assert.equal(cluster.circuitBreakers.inUse('pending_requests'), 0);
  // max_requests
  const limited = setup(server.port, {
    circuitBreakers: { maxConnections: 10, maxPendingRequests: 10, maxRequests: 1, maxRetries: 3 },
  });
  t.after(() => limited.cm.close());
  const first = await acquire(limited.host.pool);
  const second = await acquire(limited.host.pool);
  assert.equal(second.failure?.responseFlag, 'UO');
  limited.host.pool.release(first.conn!, true);
});

test('cancel a queued request', async (t) => {
  const server = await keepAliveServer();
  const { stats, cm, host } = setup(server.port);
  t.after(async () => {
    cm.close();
    await server.close();
  });
  let called = false;
  const pending = host.pool.acquire(() => {
    called = true;
  });
  pending!.cancel();
  assert.equal(stats.counter('cluster.c.upstream_rq_cancelled').value, 1);
  assert.equal(stats.gauge('cluster.c.upstream_rq_pending_active').value, 0);
  // The connection it started still completes and parks as idle.
  await new Promise<void>((r) => {
    const check = (): void => {
      if (host.pool.idleCount === 1) r();
      else setTimeout(check, 5).unref();
    };
    check();
  });
  assert.equal(called, false);
});

test('connect failure (refused) is UF with a reason', async () => {
  const closed = await keepAliveServer();
  const port = closed.port;
  await closed.close();
  const { stats, cm, host } = setup(port);
  const r = await acquire(host.pool);
  cm.close();
  assert.equal(r.failure?.kind, 'connect_failure');
  assert.equal(r.failure?.responseFlag, 'UF');
  assert.match(r.failure!.message, /^delayed connect error: \d+$/);
  assert.equal(stats.counter('cluster.c.upstream_cx_connect_fail').value, 1);
  assert.equal(host.stats.cxConnectFail, 1);
});

test('connect timeout: a TLS peer that never answers the handshake', async (t) => {
  const held = new Set<net.Socket>();
  const silent = net.createServer((s) => {
    held.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.after(
    () =>
      new Promise<void>((r) => {
        for (const s of held) s.destroy();
        silent.close(() => r());
      }),
  );
  const port = (silent.address() as net.AddressInfo).port;
  const { stats, cm, host } = setup(port, {
    connectTimeoutMs: 50,
    tls: { certificateSdsNames: [], alpnProtocols: [], matchSubjectAltNames: [] },
  });
  const started = Date.now();
  const r = await acquire(host.pool);
  cm.close();
  assert.equal(r.failure?.kind, 'connect_timeout');
  assert.equal(r.failure?.responseFlag, 'UF');
  assert.ok(Date.now() - started >= 45);
  assert.equal(stats.counter('cluster.c.upstream_cx_connect_timeout').value, 1);
  assert.equal(stats.counter('cluster.c.upstream_cx_connect_fail').value, 1);
});

test('raw connect for the TCP proxy counts cx stats and the connections breaker', async (t) => {
  const server = await keepAliveServer();
  const { stats, cm, host, cluster } = setup(server.port, {
    circuitBreakers: { maxConnections: 1, maxPendingRequests: 1, maxRequests: 1, maxRetries: 3 },
  });
  t.after(async () => {
    cm.close();
    await server.close();
  });
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    cluster.connect(host, (f, s) => (s ? resolve(s) : reject(new Error(f?.message))));
  });
  const overflow = await new Promise<UpstreamFailure | undefined>((r) => {
    cluster.connect(host, (f) => r(f));
  });
  assert.equal(overflow?.responseFlag, 'UO');
  assert.equal(stats.counter('cluster.c.upstream_cx_overflow').value, 1);
  socket.destroy();
  await new Promise((r) => socket.once('close', r));
  assert.equal(cluster.circuitBreakers.inUse('connections'), 0);
  assert.equal(stats.gauge('cluster.c.upstream_cx_active').value, 0);
});

// Istio's circuit-breaking task against the real proxy: httpbin behind a DestinationRule with
// maxConnections 1, http1MaxPendingRequests 1, maxRequestsPerConnection 1 (Envoy: max_connections,
// max_pending_requests, max_requests_per_connection) and Istio's default retry policy on the route
// (2 retries on connect-failure, refused-stream, unavailable, cancelled, retriable-status-codes 503),
// loaded as `fortio load -qps 0 -n N -c C` does: C keep-alive connections, each sending its next
// request as soon as the previous answer arrived, N requests in all.
//
// What Envoy does, and so what is asserted:
// - one request at a time reaches the upstream (one connection, one request on it);
// - a request waits (pending) only while it has no connection; one more waiting fails at once with
//   a local 503, x-envoy-overloaded, counted as upstream_rq_pending_overflow;
// - that overflow is never retried, although the route retries 503s (it is no upstream answer);
// - a connection closed after its one request leaves the connection count at once, so the waiting
//   request opens the next connection right away. At -c 2 the only overflows are requests that
//   arrive in the moment between one request finishing and the waiting one's connection opening:
//   a small share. At -c 3 one client in three finds the pending slot taken on every round.
// The clients run on the proxy's own event loop, so a client's next request never beats the
// loopback connect the proxy started for the waiting request: this pins the pool's semantics, not
// the cross-process race (a client in another process can win it; see the e2e circuit-breaking
// task, where Envoy's per-worker connection pools — Istio runs 2 workers — make the difference).
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import type { RetryPolicyConfig } from '../../src/proxy/config/index.ts';
import type { ProxyHandle } from '../../src/proxy/index.ts';
import { StatsStore } from '../../src/proxy/observe/index.ts';
import { ClusterManager, type UpstreamConnection } from '../../src/proxy/upstream/index.ts';
import { cluster, rawServer, route, routeAction } from '../proxy/harness.ts';
import { counter, gauge, start } from './helpers.ts';

const C = 'cluster.httpbin.';

/** Istio's default retry policy (pilot/translate ISTIO_DEFAULT_RETRY) as the proxy config has it. */
const ISTIO_RETRY: RetryPolicyConfig = {
  retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'],
  numRetries: 2,
  retriableStatusCodes: [503],
  backoffBaseMs: 25,
  backoffMaxMs: 250,
  retryOtherHost: true,
  hostSelectionRetryMaxAttempts: 5,
};

interface Httpbin {
  port: number;
  requests: number;
  /** Most requests the upstream was working on at one moment. */
  maxConcurrent: number;
  /** Most upstream connections the proxy counted (upstream_cx_active) while a request was served. */
  maxProxyCx: number;
  close(): Promise<void>;
}

/** An httpbin /get stand-in: keep-alive HTTP/1.1, answers each request after 5–20 ms. */
async function httpbin(t: { after(fn: () => unknown): void }, proxy: () => ProxyHandle): Promise<Httpbin> {
  const body = `${JSON.stringify({ args: {}, headers: { Host: 'httpbin:8000' }, url: 'http://httpbin:8000/get' }, null, 2)}\n`;
  const reply = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  let active = 0;
  const state = { requests: 0, maxConcurrent: 0, maxProxyCx: 0 };
  const srv = await rawServer((s) => {
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end !== -1; end = buf.indexOf('\r\n\r\n')) {
        buf = buf.slice(end + 4);
        state.requests++;
        active++;
        state.maxConcurrent = Math.max(state.maxConcurrent, active);
        state.maxProxyCx = Math.max(state.maxProxyCx, gauge(proxy(), `${C}upstream_cx_active`));
        setTimeout(
          () => {
            active--;
            if (!s.destroyed) s.write(reply);
          },
          5 + Math.random() * 15,
        );
      }
    });
  });
  t.after(() => srv.close());
  return {
    port: srv.port,
    get requests() {
      return state.requests;
    },
    get maxConcurrent() {
      return state.maxConcurrent;
    },
    get maxProxyCx() {
      return state.maxProxyCx;
    },
    close: srv.close,
  };
}

/** One keep-alive client connection: sends a request, resolves with the status of the full response. */
class Client {
  private readonly socket: Socket;
  private buf: Buffer = Buffer.alloc(0);
  private waiter: ((status: number) => void) | undefined;
  overloaded = 0;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.parse();
    });
  }

  get(): Promise<number> {
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.socket.write('GET /get HTTP/1.1\r\nhost: httpbin:8000\r\nuser-agent: fortio.org/fortio\r\n\r\n');
    });
  }

  private parse(): void {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end === -1) return;
    const head = this.buf.toString('latin1', 0, end);
    const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buf.length < end + 4 + len) return;
    this.buf = this.buf.subarray(end + 4 + len);
    if (/\r\nx-envoy-overloaded: *true/i.test(head)) this.overloaded++;
    const w = this.waiter;
    this.waiter = undefined;
    w?.(Number(head.slice(9, 12)));
  }

  close(): void {
    this.socket.destroy();
  }
}

/** `fortio load -qps 0 -n n -c c` (n/c calls on each connection, as fortio): status code → count. */
async function load(
  port: number,
  c: number,
  n: number,
): Promise<{ codes: Record<number, number>; overloaded: number }> {
  const codes: Record<number, number> = {};
  const clients = Array.from({ length: c }, () => new Client(port));
  await Promise.all(
    clients.map(async (cl, i) => {
      const calls = Math.floor(n / c) + (i < n % c ? 1 : 0);
      for (let k = 0; k < calls; k++) {
        const status = await cl.get();
        codes[status] = (codes[status] ?? 0) + 1;
      }
    }),
  );
  for (const cl of clients) cl.close();
  return { codes, overloaded: clients.reduce((s, cl) => s + cl.overloaded, 0) };
}

async function breakerProxy(t: { after(fn: () => unknown): void }) {
  let proxy: ProxyHandle | undefined;
  const up = await httpbin(t, () => proxy!);
  const started = await start(
    t,
    [route('/', routeAction('httpbin', { retryPolicy: ISTIO_RETRY }))],
    [
      cluster('httpbin', [up.port], {
        circuitBreakers: {
          maxConnections: 1,
          maxPendingRequests: 1,
          maxRequests: 2 ** 32 - 1,
          maxRetries: 2 ** 32 - 1,
        },
        maxRequestsPerConnection: 1,
      }),
    ],
  );
  proxy = started.proxy;
  return { up, ...started };
}

/** Every stat of the run agrees with the codes the clients saw. */
function checkStats(
  proxy: ProxyHandle,
  up: Httpbin,
  r: { codes: Record<number, number>; overloaded: number },
  n: number,
): void {
  const ok = r.codes[200] ?? 0;
  const shed = r.codes[503] ?? 0;
  assert.equal(ok + shed, n, JSON.stringify(r.codes));
  // Every 503 is the proxy's own overflow answer, and each counts once as a pending overflow.
  assert.equal(r.overloaded, shed, 'every 503 carries x-envoy-overloaded');
  assert.equal(counter(proxy, `${C}upstream_rq_pending_overflow`), shed);
  // Overflows are not retried: the upstream saw exactly the requests that succeeded.
  assert.equal(counter(proxy, `${C}upstream_rq_retry`), 0);
  assert.equal(counter(proxy, `${C}upstream_rq_retry_overflow`), 0);
  assert.equal(up.requests, ok);
  assert.equal(counter(proxy, `${C}upstream_rq_total`), ok);
  assert.equal(counter(proxy, `${C}upstream_rq_200`), ok);
  assert.equal(counter(proxy, `${C}upstream_rq_503`), 0, 'no 503 came from upstream');
  // One request per connection, one connection at a time.
  assert.equal(counter(proxy, `${C}upstream_cx_max_requests`), ok);
  assert.equal(counter(proxy, `${C}upstream_cx_http1_total`), ok);
  assert.equal(up.maxConcurrent, 1);
  assert.equal(up.maxProxyCx, 1, 'upstream_cx_active never above max_connections');
  // Pending: only requests that waited for a connection; none left waiting, breakers closed again.
  const pendingTotal = counter(proxy, `${C}upstream_rq_pending_total`);
  assert.ok(pendingTotal <= ok, `pending_total ${pendingTotal} counts only requests that got through`);
  assert.equal(gauge(proxy, `${C}upstream_rq_pending_active`), 0);
  assert.equal(gauge(proxy, `${C}circuit_breakers.default.rq_pending_open`), 0);
  // upstream_cx_overflow: a pending request found max_connections taken (and waited).
  const cxOverflow = counter(proxy, `${C}upstream_cx_overflow`);
  assert.ok(cxOverflow <= pendingTotal, `cx_overflow ${cxOverflow} <= pending_total ${pendingTotal}`);
}

const N2 = 200;
const N3 = 300;

test('circuit breaking at -c 2: a small share of 503s, never retried; stats agree', async (t) => {
  const { proxy, port, up } = await breakerProxy(t);
  const r = await load(port, 2, N2);
  const shed = r.codes[503] ?? 0;
  t.diagnostic(`-c 2 -n ${N2}: ${JSON.stringify(r.codes)} (${((100 * shed) / N2).toFixed(1)} % 503)`);
  checkStats(proxy, up, r, N2);
  // Two clients, one connection and one pending slot: a request overflows only when it arrives
  // between the other's request finishing and the waiting one's new connection opening (a
  // loopback connect). Istio's docs show 5–15 % at -c 2; 20 % leaves room for a loaded machine
  // while still failing the old behaviour (the slot freed only on the socket's 'close': ~50 %).
  assert.ok(shed / N2 <= 0.2, `-c 2 sheds at most 20 %: ${JSON.stringify(r.codes)}`);
  assert.ok(counter(proxy, `${C}upstream_cx_overflow`) > 0, 'requests waited at max_connections');
});

test('circuit breaking at -c 3: clearly more 503s than at -c 2; stats agree', async (t) => {
  const { proxy, port, up } = await breakerProxy(t);
  const r = await load(port, 3, N3);
  const shed = r.codes[503] ?? 0;
  t.diagnostic(`-c 3 -n ${N3}: ${JSON.stringify(r.codes)} (${((100 * shed) / N3).toFixed(1)} % 503)`);
  checkStats(proxy, up, r, N3);
  // The third client finds the connection busy and the pending slot taken on every round.
  assert.ok(shed / N3 >= 0.25, `-c 3 sheds at least 25 %: ${JSON.stringify(r.codes)}`);
});

test('a 503 an upstream Envoy shed (x-envoy-overloaded) is not retried, though 503 is retriable', async (t) => {
  let n = 0;
  const srv = await rawServer((s) =>
    s.on('data', () => {
      n++;
      s.write('HTTP/1.1 503 Service Unavailable\r\nx-envoy-overloaded: true\r\ncontent-length: 2\r\n\r\nno');
    }),
  );
  t.after(() => srv.close());
  const { proxy, port } = await start(
    t,
    [route('/', routeAction('httpbin', { retryPolicy: ISTIO_RETRY }))],
    [cluster('httpbin', [srv.port])],
  );
  const r = await load(port, 1, 1);
  assert.deepEqual(r.codes, { 503: 1 });
  assert.equal(n, 1, 'the upstream saw one attempt');
  assert.equal(counter(proxy, `${C}upstream_rq_retry`), 0);
});

test('pool: a connection closed at max_requests_per_connection frees its slot at once for the pending request', async (t) => {
  const up = await rawServer(() => {});
  t.after(() => up.close());
  const stats = new StatsStore();
  const cm = new ClusterManager(stats);
  const c = cluster('httpbin', [up.port], {
    circuitBreakers: { maxConnections: 1, maxPendingRequests: 1, maxRequests: 1024, maxRetries: 3 },
    maxRequestsPerConnection: 1,
  });
  assert.deepEqual(cm.update({ clusters: [c], endpoints: new Map() }), []);
  t.after(() => cm.close());
  const host = cm.get('httpbin')!.hosts[0]!;
  const breakers = cm.get('httpbin')!.circuitBreakers;
  const stat = (n: string) => stats.counter(C + n).value;
  const a = await new Promise<UpstreamConnection>((r) => host.pool.acquire((_f, conn) => r(conn!)));
  // A has the connection: it is not pending. B waits for one: pending, and the connection breaker
  // overflowed once (it counts the times a connection was wanted and refused).
  assert.equal(stats.gauge(`${C}upstream_rq_pending_active`).value, 0);
  let b: UpstreamConnection | undefined;
  host.pool.acquire((_f, conn) => {
    b = conn;
  });
  assert.equal(stats.gauge(`${C}upstream_rq_pending_active`).value, 1);
  assert.equal(stat('upstream_cx_overflow'), 1);
  // A third finds the pending slot taken: overflow, counted as upstream_rq_pending_overflow only.
  const third = await new Promise<string | undefined>((r) => host.pool.acquire((f) => r(f?.responseFlag)));
  assert.equal(third, 'UO');
  assert.equal(stat('upstream_rq_pending_overflow'), 1);
  assert.equal(stat('upstream_cx_overflow'), 1);
  // A's one request is done: its connection leaves the count now, not on the socket's 'close', and
  // B's connection is opened in the same turn (still one connection: no overflow counted).
  host.pool.release(a, true);
  assert.equal(stat('upstream_cx_max_requests'), 1);
  assert.equal(stat('upstream_cx_destroy'), 1);
  assert.equal(stat('upstream_cx_total'), 2);
  assert.equal(stats.gauge(`${C}upstream_cx_active`).value, 1);
  assert.equal(breakers.inUse('connections'), 1);
  assert.equal(stat('upstream_cx_overflow'), 1);
  assert.equal(host.pool.openCount, 1);
  await new Promise<void>((r) => {
    const check = (): void => (b ? r() : void setTimeout(check, 1));
    check();
  });
  assert.equal(stats.gauge(`${C}upstream_rq_pending_active`).value, 0);
  // A waited for the first connection, B for the second; the third never waited.
  assert.equal(stat('upstream_rq_pending_total'), 2);
  host.pool.release(b!, true);
  assert.equal(breakers.inUse('connections'), 0);
  assert.equal(stats.gauge(`${C}upstream_cx_active`).value, 0);
});

test('pool: a host with no connection gets one even at max_connections (Envoy)', async (t) => {
  const up1 = await rawServer(() => {});
  const up2 = await rawServer(() => {});
  t.after(() => Promise.all([up1.close(), up2.close()]));
  const stats = new StatsStore();
  const cm = new ClusterManager(stats);
  const c = cluster('httpbin', [up1.port, up2.port], {
    circuitBreakers: { maxConnections: 1, maxPendingRequests: 10, maxRequests: 1024, maxRetries: 3 },
  });
  assert.deepEqual(cm.update({ clusters: [c], endpoints: new Map() }), []);
  t.after(() => cm.close());
  const [h1, h2] = cm.get('httpbin')!.hosts;
  const get = (h: typeof h1) =>
    new Promise<UpstreamConnection | undefined>((r) => h!.pool.acquire((_f, conn) => r(conn)));
  const a = await get(h1);
  const b = await get(h2);
  assert.ok(a && b, 'both hosts got a connection');
  assert.equal(stats.counter(`${C}upstream_cx_overflow`).value, 1);
  assert.equal(stats.gauge(`${C}upstream_cx_active`).value, 2);
  h1!.pool.release(a!, true);
  h2!.pool.release(b!, true);
});

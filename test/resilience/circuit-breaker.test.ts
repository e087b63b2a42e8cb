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
//   request opens the next connection right away;
// - each worker has its own pool to the host (Envoy: "each worker thread maintains its own
//   connection pools"), and a pool with no connection opens one even at max_connections, while
//   the breakers count for the whole cluster. Istio runs 2 workers: at -c 2 each client usually
//   has a worker of its own, and a request overflows only when it arrives while the other
//   worker's request waits for its new connection — a small share (Istio's task shows 5–15 %).
//   At -c 3 two clients share a worker: one waits for the other's connection on every round and
//   the third client's requests find the pending slot taken — clearly more.
// The first tests run the clients on the proxy's own event loop, so a client's next request never
// beats the loopback connect the proxy started for the waiting request: they pin the pool's
// semantics and stats deterministically, not the shares. The shares are measured with the client
// in a process of its own, as fortio runs in its pod (the last test): there a client can answer
// and send its next request before the proxy's new connection is up, as it can against Envoy.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RetryPolicyConfig } from '../../src/proxy/config/index.ts';
import { type ProxyHandle, startProxy } from '../../src/proxy/index.ts';
import { Workers } from '../../src/proxy/listener/index.ts';
import { StatsStore } from '../../src/proxy/observe/index.ts';
import { ClusterManager, type UpstreamConnection } from '../../src/proxy/upstream/index.ts';
import {
  chain,
  cluster,
  hcm,
  listener,
  rawServer,
  route,
  routeAction,
  routeConfig,
  snapshot,
} from '../proxy/harness.ts';
import { counter, gauge, start } from './helpers.ts';

const WEFT = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');

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

/** `weft load -c c -qps 0 -n n` in a process of its own, as fortio runs in its pod: status → count. */
function loadFromProcess(port: number, c: number, n: number): Promise<Record<number, number>> {
  const args = [WEFT, 'load', '-c', String(c), '-qps', '0', '-n', String(n), '-loglevel', 'Warning'];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...args, `http://127.0.0.1:${port}/get`], (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`weft load: ${err.message}\n${stderr}`));
        return;
      }
      const codes: Record<number, number> = {};
      for (const m of stdout.matchAll(/^Code\s+(-?\d+)\s*:\s*(\d+)/gm)) codes[Number(m[1])] = Number(m[2]);
      resolve(codes);
    });
  });
}

const BREAKER_CLUSTER = (port: number) =>
  cluster('httpbin', [port], {
    circuitBreakers: {
      maxConnections: 1,
      maxPendingRequests: 1,
      maxRequests: 2 ** 32 - 1,
      maxRetries: 2 ** 32 - 1,
    },
    maxRequestsPerConnection: 1,
  });

async function breakerProxy(t: { after(fn: () => unknown): void }) {
  let proxy: ProxyHandle | undefined;
  const up = await httpbin(t, () => proxy!);
  const started = await start(
    t,
    [route('/', routeAction('httpbin', { retryPolicy: ISTIO_RETRY }))],
    [BREAKER_CLUSTER(up.port)],
  );
  proxy = started.proxy;
  return { up, ...started };
}

/** The same proxy with `concurrency` workers (Envoy's --concurrency; Istio's sidecars run 2). */
async function workersProxy(t: { after(fn: () => unknown): void }, concurrency: number) {
  let proxy: ProxyHandle | undefined;
  const up = await httpbin(t, () => proxy!);
  const rc = routeConfig([route('/', routeAction('httpbin', { retryPolicy: ISTIO_RETRY }))]);
  const h = hcm(rc, { httpFilters: [{ name: 'envoy.filters.http.router', config: {} }] });
  proxy = await startProxy({
    snapshot: snapshot([listener('http', [chain(h)])], [BREAKER_CLUSTER(up.port)], true),
    concurrency,
  });
  t.after(() => proxy!.close());
  return { up, proxy, port: proxy.addresses().get('http')!.port };
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
  // Two clients, one connection and one pending slot, one worker: a request overflows only when it
  // arrives between the other's request finishing and the waiting one's new connection opening,
  // which a client on the proxy's own loop cannot do (0–1 % here). A coarse bound: the shares of
  // the real race are the last test's.
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

test("pool: each worker has its own pool to a host; the circuit breakers are the cluster's", async (t) => {
  const up = await rawServer(() => {});
  t.after(() => up.close());
  const stats = new StatsStore();
  const cm = new ClusterManager(stats);
  assert.deepEqual(cm.update({ clusters: [BREAKER_CLUSTER(up.port)], endpoints: new Map() }), []);
  t.after(() => cm.close());
  const host = cm.get('httpbin')!.hosts[0]!;
  const breakers = cm.get('httpbin')!.circuitBreakers;
  const stat = (n: string) => stats.counter(C + n).value;
  const get = (worker: number) =>
    new Promise<UpstreamConnection>((r) => host.pool.acquire((_f, conn) => r(conn!), worker));
  const a = await get(0);
  assert.equal(stat('upstream_cx_overflow'), 0);
  // Worker 1's pool has no connection: it opens one although max_connections is taken (counted as
  // upstream_cx_overflow), and its request waits for it as pending.
  let b: UpstreamConnection | undefined;
  host.pool.acquire((_f, conn) => {
    b = conn;
  }, 1);
  assert.equal(stat('upstream_cx_overflow'), 1);
  assert.equal(stats.gauge(`${C}upstream_cx_active`).value, 2);
  assert.equal(stats.gauge(`${C}upstream_rq_pending_active`).value, 1);
  // The one pending slot is the cluster's: worker 0's next request overflows while worker 1's
  // waits, though nothing waits in worker 0's own pool.
  const next = await new Promise<string | undefined>((r) => host.pool.acquire((f) => r(f?.responseFlag), 0));
  assert.equal(next, 'UO');
  assert.equal(stat('upstream_rq_pending_overflow'), 1);
  await new Promise<void>((r) => {
    const check = (): void => (b ? r() : void setTimeout(check, 1));
    check();
  });
  assert.notEqual(a.socket, b!.socket);
  assert.equal(host.pool.openCount, 2);
  assert.equal(breakers.inUse('connections'), 2, 'one connection per host and worker at most');
  // Each connection goes back to the pool that opened it and, at max_requests_per_connection, closes.
  host.pool.release(a, true);
  host.pool.release(b!, true);
  assert.equal(stat('upstream_cx_max_requests'), 2);
  assert.equal(breakers.inUse('connections'), 0);
  assert.equal(stats.gauge(`${C}upstream_cx_active`).value, 0);
  assert.equal(host.pool.openCount, 0);
});

test('pool: an idle keep-alive connection serves requests of its own worker only', async (t) => {
  const up = await rawServer(() => {});
  t.after(() => up.close());
  const stats = new StatsStore();
  const cm = new ClusterManager(stats);
  assert.deepEqual(cm.update({ clusters: [cluster('httpbin', [up.port])], endpoints: new Map() }), []);
  t.after(() => cm.close());
  const host = cm.get('httpbin')!.hosts[0]!;
  const get = (worker: number) =>
    new Promise<UpstreamConnection>((r) => host.pool.acquire((_f, conn) => r(conn!), worker));
  const a = await get(0);
  host.pool.release(a, true);
  assert.equal(host.pool.idleCount, 1);
  const b = await get(1);
  assert.notEqual(b.socket, a.socket, "worker 1 does not take worker 0's idle connection");
  const again = await get(0);
  assert.equal(again.socket, a.socket, 'worker 0 reuses its own');
  host.pool.release(b, true);
  host.pool.release(again, true);
  assert.equal(host.pool.idleCount, 2);
  assert.equal(stats.counter(`${C}upstream_cx_total`).value, 2);
});

test('workers: accepted connections are bound to the workers in turn', () => {
  const w = new Workers(2);
  assert.deepEqual([w.assign(), w.assign(), w.assign(), w.assign()], [0, 1, 0, 1]);
  const one = new Workers(1);
  assert.deepEqual([one.assign(), one.assign()], [0, 0]);
  assert.equal(new Workers(0).concurrency, 1);
});

test('from another process, as fortio in its pod: with 2 workers -c 2 sheds a small share and -c 3 clearly more; with 1 worker -c 2 sheds far more', async (t) => {
  const share = (codes: Record<number, number>, n: number): number => {
    assert.equal((codes[200] ?? 0) + (codes[503] ?? 0), n, JSON.stringify(codes));
    return (codes[503] ?? 0) / n;
  };
  // Istio's sidecar: 2 workers. The two clients' connections are bound to different workers.
  const two = await workersProxy(t, 2);
  const c2 = await loadFromProcess(two.port, 2, N2);
  const c2Share = share(c2, N2);
  const c2Overflow = counter(two.proxy, `${C}upstream_rq_pending_overflow`);
  const c3 = await loadFromProcess(two.port, 3, N3);
  const c3Share = share(c3, N3);
  t.diagnostic(
    `2 workers: -c 2 ${JSON.stringify(c2)} (${(100 * c2Share).toFixed(1)} %), -c 3 ${JSON.stringify(c3)} (${(100 * c3Share).toFixed(1)} %)`,
  );
  // Each 503 is the proxy's own overflow. A worker's pool goes past max_connections only when it
  // has no connection: one per worker here, within Envoy's bound (max_connections + hosts × pools).
  assert.equal(c2Overflow, c2[503] ?? 0);
  assert.equal(counter(two.proxy, `${C}upstream_rq_pending_overflow`), (c2[503] ?? 0) + (c3[503] ?? 0));
  assert.equal(counter(two.proxy, `${C}upstream_rq_503`), 0, 'no 503 came from upstream');
  assert.ok(two.up.maxProxyCx <= 2, `upstream_cx_active ${two.up.maxProxyCx}: at most one per worker`);
  assert.ok(two.up.maxConcurrent <= 2);
  // An overflow needs the other worker's request to be waiting for its connection: a small share
  // (8–17 % measured here; Istio's task shows 5–15 %), yet some over 200 calls.
  assert.ok(c2Share > 0, `-c 2 trips the breaker now and then: ${JSON.stringify(c2)}`);
  assert.ok(c2Share <= 0.25, `-c 2 sheds at most 25 %: ${JSON.stringify(c2)}`);
  // Two clients share a worker at -c 3 (55–60 % measured).
  assert.ok(c3Share >= c2Share + 0.15, `-c 3 sheds clearly more than -c 2: ${JSON.stringify({ c2, c3 })}`);

  // One worker: every request waits for a fresh connection and the other client's next request
  // lands in that wait (35–40 % measured). This is what the mesh showed before it ran 2 workers.
  const one = await workersProxy(t, 1);
  const single = await loadFromProcess(one.port, 2, N2);
  const singleShare = share(single, N2);
  t.diagnostic(`1 worker: -c 2 ${JSON.stringify(single)} (${(100 * singleShare).toFixed(1)} %)`);
  assert.equal(one.up.maxProxyCx, 1, 'one worker never exceeds max_connections with one host');
  assert.ok(
    singleShare > c2Share,
    `one worker sheds more than two: ${JSON.stringify({ oneWorker: single, twoWorkers: c2 })}`,
  );
});

// Retries end to end: the real proxy, origins on node:net, assertions on what the client got,
// what the origins saw and the cluster's retry stats.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RetryPolicyConfig } from '../../src/proxy/config/index.ts';
import { cluster, rawServer, route, routeAction } from '../proxy/harness.ts';
import { counter, get, origin, start } from './helpers.ts';

function policy(extra: Partial<RetryPolicyConfig> = {}): RetryPolicyConfig {
  return {
    retryOn: ['5xx'],
    numRetries: 3,
    retriableStatusCodes: [],
    backoffBaseMs: 5,
    backoffMaxMs: 20,
    retryOtherHost: false,
    hostSelectionRetryMaxAttempts: 1,
    ...extra,
  };
}

const C = 'cluster.c.';

test('an upstream failing every other request succeeds through 3 retries', async (t) => {
  const o = await origin(t, (n) => (n % 2 === 0 ? 503 : 200));
  const { proxy, port } = await start(
    t,
    [route('/', routeAction('c', { retryPolicy: policy() }))],
    [cluster('c', [o.port])],
  );
  for (let i = 0; i < 4; i++) {
    const r = await get(port, '/x');
    assert.equal(r.status, 200);
  }
  assert.equal(o.heads.length, 8);
  assert.equal(counter(proxy, C + 'upstream_rq_retry'), 4);
  assert.equal(counter(proxy, C + 'upstream_rq_retry_success'), 4);
  assert.equal(counter(proxy, C + 'upstream_rq_503'), 4);
});

test('x-envoy-attempt-count counts attempts as the upstream sees them', async (t) => {
  const o = await origin(t, (n) => (n < 2 ? 502 : 200));
  const { port } = await start(
    t,
    [route('/', routeAction('c', { retryPolicy: policy({ retryOn: ['gateway-error'] }) }))],
    [cluster('c', [o.port])],
    [],
    { includeRequestAttemptCount: true },
  );
  assert.equal((await get(port, '/')).status, 200);
  const counts = o.heads.map((h) => /x-envoy-attempt-count: (\d+)/i.exec(h)?.[1]);
  assert.deepEqual(counts, ['1', '2', '3']);
});

test('no x-envoy-attempt-count unless the virtual host asks for it (as Envoy)', async (t) => {
  const o = await origin(t, (n) => (n < 1 ? 502 : 200));
  const { port } = await start(
    t,
    [route('/', routeAction('c', { retryPolicy: policy({ retryOn: ['gateway-error'] }) }))],
    [cluster('c', [o.port])],
  );
  assert.equal((await get(port, '/')).status, 200);
  assert.equal(o.heads.length, 2);
  for (const h of o.heads) assert.doesNotMatch(h, /x-envoy-attempt-count/i);
});

test('retries exhausted: the last 503 is relayed with URX, upstream_rq_retry_limit_exceeded', async (t) => {
  const o = await origin(t, () => 503, 'down');
  const { proxy, port } = await start(
    t,
    [route('/', routeAction('c', { retryPolicy: policy({ numRetries: 2 }) }))],
    [cluster('c', [o.port])],
  );
  const r = await get(port, '/');
  assert.equal(r.status, 503);
  assert.equal(r.body, 'down');
  assert.equal(o.heads.length, 3);
  assert.equal(counter(proxy, C + 'upstream_rq_retry'), 2);
  assert.equal(counter(proxy, C + 'upstream_rq_retry_limit_exceeded'), 1);
  assert.equal(counter(proxy, C + 'upstream_rq_retry_success'), 0);
});

test('a status retry_on does not cover is relayed at once', async (t) => {
  const o = await origin(t, () => 404);
  const { port } = await start(
    t,
    [route('/', routeAction('c', { retryPolicy: policy() }))],
    [cluster('c', [o.port])],
  );
  assert.equal((await get(port, '/')).status, 404);
  assert.equal(o.heads.length, 1);
});

test('retriable-status-codes and retriable-4xx (409)', async (t) => {
  const o = await origin(t, (n) => [418, 409, 200][n % 3]!);
  const { port } = await start(
    t,
    [
      route(
        '/',
        routeAction('c', {
          retryPolicy: policy({
            retryOn: ['retriable-status-codes', 'retriable-4xx'],
            retriableStatusCodes: [418],
          }),
        }),
      ),
    ],
    [cluster('c', [o.port])],
  );
  assert.equal((await get(port, '/')).status, 200);
  assert.equal(o.heads.length, 3);
});

test('gRPC: unavailable in a trailers-only response is retried', async (t) => {
  let n = 0;
  const o = await rawServer((s) => {
    s.on('data', () => {
      const grpc = n++ === 0 ? '14' : '0';
      s.write(
        `HTTP/1.1 200 OK\r\ncontent-type: application/grpc\r\ngrpc-status: ${grpc}\r\ncontent-length: 0\r\n\r\n`,
      );
    });
  });
  t.after(() => o.close());
  const { port } = await start(
    t,
    [route('/', routeAction('c', { retryPolicy: policy({ retryOn: ['unavailable'] }) }))],
    [cluster('c', [o.port])],
  );
  const r = await get(port, '/svc/M');
  assert.equal(r.status, 200);
  assert.equal(r.headers['grpc-status'], '0');
  assert.equal(n, 2);
});

test('per-try timeout: a slow first attempt is retried and the second answers', async (t) => {
  let n = 0;
  const o = await rawServer((s) => {
    s.on('data', () => {
      if (n++ === 0) return; // never answers
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
  });
  t.after(() => o.close());
  const { proxy, port } = await start(
    t,
    [route('/', routeAction('c', { retryPolicy: policy({ perTryTimeoutMs: 100 }) }))],
    [cluster('c', [o.port])],
  );
  const r = await get(port, '/');
  assert.equal(r.status, 200);
  assert.ok(r.ms >= 95 && r.ms < 1000, `took ${r.ms} ms`);
  assert.equal(counter(proxy, C + 'upstream_rq_per_try_timeout'), 1);
});

test('per-try timeouts exhausted: 504', async (t) => {
  const o = await rawServer(() => {});
  t.after(() => o.close());
  const { proxy, port } = await start(
    t,
    [route('/', routeAction('c', { retryPolicy: policy({ perTryTimeoutMs: 50, numRetries: 1 }) }))],
    [cluster('c', [o.port])],
  );
  const r = await get(port, '/');
  assert.equal(r.status, 504);
  assert.equal(r.body, 'upstream request timeout');
  assert.equal(counter(proxy, C + 'upstream_rq_per_try_timeout'), 2);
});

test('connect-failure retries on another host (previous_hosts)', async (t) => {
  const good = await origin(t, () => 200);
  const dead = await rawServer(() => {});
  const deadPort = dead.port;
  await dead.close();
  const { proxy, port } = await start(
    t,
    [
      route(
        '/',
        routeAction('c', { retryPolicy: policy({ retryOn: ['connect-failure'], retryOtherHost: true }) }),
      ),
    ],
    [cluster('c', [deadPort, good.port])],
  );
  for (let i = 0; i < 4; i++) assert.equal((await get(port, '/')).status, 200);
  assert.equal(good.heads.length, 4);
  assert.ok(counter(proxy, C + 'upstream_rq_retry') >= 1);
});

test('x-envoy-retry-on / x-envoy-max-retries from an internal client, consumed', async (t) => {
  const o = await origin(t, (n) => (n < 2 ? 500 : 200));
  const { port } = await start(t, [route('/', routeAction('c'))], [cluster('c', [o.port])]);
  const r = await get(port, '/', { 'x-envoy-retry-on': '5xx', 'x-envoy-max-retries': '2' });
  assert.equal(r.status, 200);
  assert.equal(o.heads.length, 3);
  assert.ok(!/x-envoy-retry-on|x-envoy-max-retries/i.test(o.heads[0]!));
});

test('x-envoy-retriable-status-codes adds codes under retriable-status-codes only, and is consumed', async (t) => {
  const o = await origin(t, (n) => (n < 2 ? 418 : 200));
  const { port } = await start(t, [route('/', routeAction('c'))], [cluster('c', [o.port])]);
  // Without retriable-status-codes among the conditions, the header alone retries nothing.
  const alone = await get(port, '/', { 'x-envoy-retry-on': '5xx', 'x-envoy-retriable-status-codes': '418' });
  assert.equal(alone.status, 418);
  assert.equal(o.heads.length, 1);
  const r = await get(port, '/', {
    'x-envoy-retry-on': 'retriable-status-codes',
    'x-envoy-retriable-status-codes': 'x, 418 ,-1',
  });
  assert.equal(r.status, 200);
  assert.equal(o.heads.length, 3, 'the 418 was retried once');
  assert.ok(!/x-envoy-retriable-status-codes/i.test(o.heads[1]! + o.heads[2]!));
});

test('x-envoy-upstream-rq-timeout-ms overrides the route timeout', async (t) => {
  const o = await rawServer(() => {});
  t.after(() => o.close());
  const { port } = await start(t, [route('/', routeAction('c'))], [cluster('c', [o.port])]);
  const r = await get(port, '/', { 'x-envoy-upstream-rq-timeout-ms': '80' });
  assert.equal(r.status, 504);
  assert.ok(r.ms < 1000, `took ${r.ms} ms`);
});

test('max_retries circuit breaker: no retry, upstream_rq_retry_overflow, UO in the access log', async (t) => {
  const o = await origin(t, () => 503);
  const c = cluster('c', [o.port], {
    circuitBreakers: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 0 },
  });
  const dir = mkdtempSync(join(tmpdir(), 'weft-retry-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'access.log');
  const { proxy, port } = await start(
    t,
    [route('/', routeAction('c', { retryPolicy: policy() }))],
    [c],
    [],
    {},
    {
      accessLog: [{ path: log, textFormat: '%RESPONSE_CODE% %RESPONSE_FLAGS%\n' }],
    },
  );
  assert.equal((await get(port, '/')).status, 503);
  assert.equal(o.heads.length, 1);
  assert.equal(counter(proxy, C + 'upstream_rq_retry_overflow'), 1);
  // Envoy's router sets UO when the breaker refuses the retry (RetryStatus::NoOverflow).
  for (let i = 0; i < 100 && !existsSync(log); i++) await new Promise((r) => setTimeout(r, 10));
  let text = '';
  for (let i = 0; i < 100 && !text.includes('\n'); i++) {
    text = existsSync(log) ? readFileSync(log, 'utf8') : '';
    if (!text.includes('\n')) await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(text, '503 UO\n');
});

test('a small buffered POST body is sent again on retry', async (t) => {
  const bodies: string[] = [];
  const { httpOrigin } = await import('../proxy/harness.ts');
  const o = await httpOrigin((_h, body) => {
    bodies.push(body.toString());
    const s = bodies.length === 1 ? 503 : 200;
    return `HTTP/1.1 ${s} X\r\nContent-Length: 0\r\n\r\n`;
  });
  t.after(() => o.close());
  const { port } = await start(
    t,
    [route('/', routeAction('c', { retryPolicy: policy() }))],
    [cluster('c', [o.port])],
  );
  const r = await get(port, '/', { 'content-type': 'text/plain' }, 'POST', 'hello body');
  assert.equal(r.status, 200);
  assert.deepEqual(bodies, ['hello body', 'hello body']);
});

test('RING_HASH: a retry keeps the request hash (same host) unless previous_hosts moves it', async (t) => {
  const origins = [await origin(t, () => 503), await origin(t, () => 503), await origin(t, () => 503)];
  const hashed = (retryOtherHost: boolean) =>
    routeAction('c', {
      // previous_hosts is best effort: a pick moves to the next ring point, which on a ring of
      // ~1,024 points over 3 hosts is the same host a third of the time, so allow 10 more picks
      // (Istio sets 5) to make the spread certain in practice.
      retryPolicy: policy({ numRetries: 2, retryOtherHost, hostSelectionRetryMaxAttempts: 10 }),
      hashPolicy: [{ spec: { kind: 'header', name: 'x-user' }, terminal: false }],
    });
  const counts = () => origins.map((o) => o.heads.length);
  const startHashed = (retryOtherHost: boolean) =>
    start(
      t,
      [route('/', hashed(retryOtherHost))],
      [
        cluster(
          'c',
          origins.map((o) => o.port),
          { lbPolicy: 'RING_HASH' },
        ),
      ],
    );
  const same = await startHashed(false);
  assert.equal((await get(same.port, '/', { 'x-user': 'jason' })).status, 503);
  // Three attempts, all on the host the hash picks (as Envoy, which hashes every attempt).
  assert.deepEqual(counts().sort(), [0, 0, 3]);
  const before = counts();
  const moved = await startHashed(true);
  assert.equal((await get(moved.port, '/', { 'x-user': 'jason' })).status, 503);
  const spread = counts().map((n, i) => n - before[i]!);
  assert.equal(
    spread.reduce((a, b) => a + b, 0),
    3,
  );
  assert.ok(spread.filter((n) => n > 0).length >= 2, `previous_hosts: attempts per host ${spread}`);
});

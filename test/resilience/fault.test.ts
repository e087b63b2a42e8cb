// The fault filter end to end: per-route and filter-level HTTPFault, delays, aborts, gRPC aborts,
// percentages (with a statistical tolerance), stats, and refused configs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RouteEntryConfig } from '../../src/proxy/config/index.ts';
import { startProxy } from '../../src/proxy/index.ts';
import {
  chain,
  cluster,
  hcm,
  listener,
  route,
  routeAction,
  routeConfig,
  snapshot,
} from '../proxy/harness.ts';
import { counter, get, origin, start } from './helpers.ts';

const FAULT = 'envoy.filters.http.fault';
const TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';
const filter = (config: unknown = {}) => [{ name: FAULT, config }];

function withFault(r: RouteEntryConfig, fault: Record<string, unknown>): RouteEntryConfig {
  return { ...r, perFilterConfig: { [FAULT]: { '@type': TYPE, ...fault } } };
}

test('fixed delay on every request (per-route), DI, delays_injected', async (t) => {
  const o = await origin(t, () => 200);
  const r = withFault(route('/', routeAction('c')), {
    delay: { fixed_delay: '0.2s', percentage: { numerator: 100, denominator: 'HUNDRED' } },
  });
  const { proxy, port } = await start(t, [r], [cluster('c', [o.port])], filter());
  const res = await get(port, '/');
  assert.equal(res.status, 200);
  assert.ok(res.ms >= 195 && res.ms < 800, `took ${res.ms} ms`);
  assert.equal(counter(proxy, 'http.ingress_http.fault.delays_injected'), 1);
});

test('abort 100 %: the status and body Envoy sends, nothing reaches the upstream', async (t) => {
  const o = await origin(t, () => 200);
  const r = withFault(route('/', routeAction('c')), {
    abort: { http_status: 503, percentage: { numerator: 1000000, denominator: 'MILLION' } },
  });
  const { proxy, port } = await start(t, [r], [cluster('c', [o.port])], filter());
  const res = await get(port, '/');
  assert.equal(res.status, 503);
  assert.equal(res.body, 'fault filter abort');
  assert.equal(o.heads.length, 0);
  assert.equal(counter(proxy, 'http.ingress_http.fault.aborts_injected'), 1);
});

test('abort 50 % (TEN_THOUSAND): about half of 400 requests', async (t) => {
  const o = await origin(t, () => 200);
  const r = withFault(route('/', routeAction('c')), {
    abort: { httpStatus: 418, percentage: { numerator: 5000, denominator: 'TEN_THOUSAND' } },
  });
  const { port } = await start(t, [r], [cluster('c', [o.port])], filter());
  let aborted = 0;
  for (let i = 0; i < 400; i++) if ((await get(port, '/')).status === 418) aborted++;
  // Binomial(400, 0.5): sd 10; ±60 is six sigma.
  assert.ok(aborted > 140 && aborted < 260, `${aborted} of 400 aborted`);
  assert.equal(o.heads.length, 400 - aborted);
});

test('gRPC abort: trailers-only response with grpc-status', async (t) => {
  const o = await origin(t, () => 200);
  const r = withFault(route('/', routeAction('c')), {
    abort: { grpc_status: 14, percentage: { numerator: 100 } },
  });
  const { port } = await start(t, [r], [cluster('c', [o.port])], filter());
  const res = await get(port, '/pkg.Svc/M', { 'content-type': 'application/grpc' }, 'POST', '');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/grpc');
  assert.equal(res.headers['grpc-status'], '14');
  assert.equal(res.headers['grpc-message'], 'fault filter abort');
});

test('filter-level config applies where the route has none; the route config replaces it', async (t) => {
  const o = await origin(t, () => 200);
  const plain = route('/plain', routeAction('c'));
  const own = withFault(route('/own', routeAction('c')), {
    abort: { http_status: 429, percentage: { numerator: 100 } },
  });
  const { port } = await start(
    t,
    [plain, own],
    [cluster('c', [o.port])],
    filter({ abort: { http_status: 500, percentage: { numerator: 100 } } }),
  );
  assert.equal((await get(port, '/plain')).status, 500);
  assert.equal((await get(port, '/own')).status, 429);
});

test('delay then abort on the same request', async (t) => {
  const o = await origin(t, () => 200);
  const r = withFault(route('/', routeAction('c')), {
    delay: { fixed_delay: { seconds: 0, nanos: 100_000_000 }, percentage: { numerator: 100 } },
    abort: { http_status: 503, percentage: { numerator: 100 } },
  });
  const { port } = await start(t, [r], [cluster('c', [o.port])], filter());
  const res = await get(port, '/');
  assert.equal(res.status, 503);
  assert.ok(res.ms >= 95, `took ${res.ms} ms`);
});

test('an unsupported fault field is refused, not ignored', async () => {
  const r = withFault(route('/', routeAction('c')), {
    headers: [{ name: 'x' }],
    abort: { http_status: 503 },
  });
  const h = hcm(routeConfig([r]), {
    httpFilters: [...filter(), { name: 'envoy.filters.http.router', config: {} }],
  });
  await assert.rejects(
    startProxy({ snapshot: snapshot([listener('http', [chain(h)])], [cluster('c', [])]) }),
    /typed_per_filter_config envoy.filters.http.fault: fault: 'headers' is not supported/,
  );
});

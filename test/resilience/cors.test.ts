// The CORS filter end to end: preflights answered by the proxy for allowed origins and forwarded
// for others (or answered without Allow-Origin when forward_not_matching_preflights is false), CORS
// headers on actual responses only for allowed origins, and refused policies.
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
import { get, origin, start } from './helpers.ts';

const CORS = 'envoy.filters.http.cors';
const FILTER = [
  { name: CORS, config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' } },
];
const POLICY_TYPE = 'type.googleapis.com/envoy.config.route.v3.CorsPolicy';

function withCors(r: RouteEntryConfig, policy: Record<string, unknown>): RouteEntryConfig {
  return { ...r, perFilterConfig: { [CORS]: { '@type': POLICY_TYPE, ...policy } } };
}

// As pilot translates a VirtualService corsPolicy (and Istio's filter_enabled at 100 %).
const POLICY = {
  allow_origin_string_match: [
    { exact: 'https://app.example.com' },
    { prefix: 'https://dev.' },
    { safe_regex: { regex: 'https://[a-z]+\\.corp\\.example' } },
  ],
  allow_methods: 'GET,POST,PUT',
  allow_headers: 'x-custom,content-type',
  expose_headers: 'x-trace',
  max_age: '86400',
  allow_credentials: true,
  filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
};

async function proxyWith(t: { after(fn: () => unknown): void }, policy: Record<string, unknown> = POLICY) {
  const o = await origin(t, () => 200);
  const routes = [withCors(route('/api', routeAction('c')), policy), route('/', routeAction('c'))];
  const { port } = await start(t, routes, [cluster('c', [o.port])], FILTER);
  return { o, port };
}

const preflight = (origin: string) => ({
  origin,
  'access-control-request-method': 'PUT',
  'access-control-request-headers': 'x-custom',
});

test('a preflight from an allowed origin is answered by the proxy with the allow headers', async (t) => {
  const { o, port } = await proxyWith(t);
  for (const from of ['https://app.example.com', 'https://dev.example.com', 'https://eu.corp.example']) {
    const r = await get(port, '/api/items', preflight(from), 'OPTIONS');
    assert.equal(r.status, 200, from);
    assert.equal(r.headers['access-control-allow-origin'], from);
    assert.equal(r.headers['access-control-allow-methods'], 'GET,POST,PUT');
    assert.equal(r.headers['access-control-allow-headers'], 'x-custom,content-type');
    assert.equal(r.headers['access-control-max-age'], '86400');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
    assert.equal(r.body, '');
  }
  assert.equal(o.heads.length, 0, 'no preflight reached the upstream');
});

test('a preflight from another origin goes to the upstream and gets no CORS headers', async (t) => {
  const { o, port } = await proxyWith(t);
  const r = await get(port, '/api/items', preflight('https://evil.example.org'), 'OPTIONS');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'ok');
  assert.equal(o.heads.length, 1);
  assert.match(o.heads[0]!, /^OPTIONS \/api\/items /);
  for (const h of Object.keys(r.headers)) assert.doesNotMatch(h, /^access-control-/);
});

test('actual requests: allowed origins get Allow-Origin, Credentials and Expose-Headers', async (t) => {
  const { o, port } = await proxyWith(t);
  const r = await get(port, '/api/items', { origin: 'https://app.example.com' }, 'POST', 'x');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'ok');
  assert.equal(r.headers['access-control-allow-origin'], 'https://app.example.com');
  assert.equal(r.headers['access-control-allow-credentials'], 'true');
  assert.equal(r.headers['access-control-expose-headers'], 'x-trace');
  // Preflight-only headers stay off actual responses.
  assert.equal(r.headers['access-control-allow-methods'], undefined);
  assert.equal(o.heads.length, 1);
  // An OPTIONS without Access-Control-Request-Method is not a preflight: it is forwarded.
  const plain = await get(port, '/api/items', { origin: 'https://app.example.com' }, 'OPTIONS');
  assert.equal(plain.body, 'ok');
  assert.equal(plain.headers['access-control-allow-origin'], 'https://app.example.com');
  assert.equal(o.heads.length, 2);
});

test('no CORS headers for other origins, requests without Origin, or routes without a policy', async (t) => {
  const { o, port } = await proxyWith(t);
  const cases = [
    await get(port, '/api/items', { origin: 'https://app.example.com.evil.org' }),
    await get(port, '/api/items', { origin: 'http://app.example.com' }),
    await get(port, '/api/items'),
    await get(port, '/other', { origin: 'https://app.example.com' }),
    await get(port, '/other', preflight('https://app.example.com'), 'OPTIONS'),
  ];
  for (const r of cases) {
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok');
    for (const h of Object.keys(r.headers)) assert.doesNotMatch(h, /^access-control-/);
  }
  assert.equal(o.heads.length, cases.length, 'all of them reached the upstream');
});

test('an exact "*" origin allows every origin; without allow_credentials none is sent', async (t) => {
  const { port } = await proxyWith(t, { allow_origin_string_match: [{ exact: '*' }], allowMethods: 'GET' });
  const pre = await get(port, '/api', preflight('https://anyone.example'), 'OPTIONS');
  assert.equal(pre.status, 200);
  assert.equal(pre.headers['access-control-allow-origin'], 'https://anyone.example');
  assert.equal(pre.headers['access-control-allow-methods'], 'GET');
  assert.equal(pre.headers['access-control-allow-credentials'], undefined);
  assert.equal(pre.headers['access-control-max-age'], undefined);
  const r = await get(port, '/api', { origin: 'https://anyone.example' });
  assert.equal(r.headers['access-control-allow-origin'], 'https://anyone.example');
  assert.equal(r.headers['access-control-expose-headers'], undefined);
});

test('filter_enabled at 0 %: the policy is not enforced, requests pass untouched', async (t) => {
  const { o, port } = await proxyWith(t, {
    ...POLICY,
    filter_enabled: { default_value: { numerator: 0, denominator: 'HUNDRED' } },
  });
  const r = await get(port, '/api', preflight('https://app.example.com'), 'OPTIONS');
  assert.equal(r.body, 'ok');
  assert.equal(r.headers['access-control-allow-origin'], undefined);
  assert.equal(o.heads.length, 1);
});

test('forward_not_matching_preflights: false answers a preflight from another origin here, without Allow-Origin', async (t) => {
  const { o, port } = await proxyWith(t, { ...POLICY, forward_not_matching_preflights: false });
  const r = await get(port, '/api/items', preflight('https://evil.example.org'), 'OPTIONS');
  assert.equal(r.status, 200);
  assert.equal(r.body, '');
  assert.equal(r.headers['access-control-allow-origin'], undefined);
  assert.equal(r.headers['access-control-allow-methods'], 'GET,POST,PUT');
  assert.equal(r.headers['access-control-allow-credentials'], 'true');
  assert.equal(o.heads.length, 0, 'the preflight did not reach the upstream');
  // Allowed origins and actual requests from other origins behave as with the default.
  const ok = await get(port, '/api/items', preflight('https://app.example.com'), 'OPTIONS');
  assert.equal(ok.headers['access-control-allow-origin'], 'https://app.example.com');
  const actual = await get(port, '/api/items', { origin: 'https://evil.example.org' });
  assert.equal(actual.body, 'ok');
  assert.equal(actual.headers['access-control-allow-origin'], undefined);
  assert.equal(o.heads.length, 1);
});

test('allow_methods and allow_headers "*" answer a preflight with what it asked for', async (t) => {
  const { port } = await proxyWith(t, { ...POLICY, allow_methods: '*', allow_headers: '*' });
  const r = await get(port, '/api', preflight('https://app.example.com'), 'OPTIONS');
  assert.equal(r.headers['access-control-allow-methods'], 'PUT');
  assert.equal(r.headers['access-control-allow-headers'], 'x-custom');
});

test('an unsupported CorsPolicy field or a bad regex is refused, not ignored', async () => {
  for (const [policy, reason] of [
    [
      { ...POLICY, shadow_enabled: { default_value: { numerator: 100 } } },
      /cors: 'shadow_enabled' is not supported/,
    ],
    [{ allow_origin_string_match: [{ safe_regex: { regex: '(' } }] }, /allow_origin_string_match\[0\]/],
  ] as const) {
    const h = hcm(routeConfig([withCors(route('/', routeAction('c')), policy)]), {
      httpFilters: [...FILTER, { name: 'envoy.filters.http.router', config: {} }],
    });
    await assert.rejects(
      startProxy({ snapshot: snapshot([listener('http', [chain(h)])], [cluster('c', [])]) }),
      reason,
    );
  }
});

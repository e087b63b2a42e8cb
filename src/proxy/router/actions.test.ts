import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RedirectActionConfig, RouteConfig, RouteEntryConfig } from '../config/index.ts';
import { compileRouteTable, type RouteDecision, type RouteTable } from './index.ts';
import { action, config, match, request, route, vhost } from './test-fixtures.ts';

function compile(cfg: RouteConfig): RouteTable {
  const r = compileRouteTable(cfg);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.table;
}

const one = (r: Partial<RouteEntryConfig>): RouteTable => compile(config([vhost({ routes: [route(r)] })]));

test('weighted clusters follow cumulative weights over many randoms; zero weight never picked', () => {
  const t = one({
    action: action({
      weightedClusters: [
        {
          name: 'v1',
          weight: 10,
          requestHeaders: { add: [], remove: [] },
          responseHeaders: { add: [], remove: [] },
        },
        {
          name: 'v0',
          weight: 0,
          requestHeaders: { add: [], remove: [] },
          responseHeaders: { add: [], remove: [] },
        },
        {
          name: 'v2',
          weight: 20,
          requestHeaders: { add: [], remove: [] },
          responseHeaders: { add: [], remove: [] },
        },
        {
          name: 'v3',
          weight: 70,
          requestHeaders: { add: [], remove: [] },
          responseHeaders: { add: [], remove: [] },
        },
      ],
    }),
  });
  const counts = new Map<string, number>();
  for (let i = 0; i < 10000; i++) {
    const d = t.route(request('/'), i / 10000);
    assert.equal(d.kind, 'cluster');
    if (d.kind !== 'cluster') continue;
    assert.equal(d.weighted?.name, d.clusterName);
    counts.set(d.clusterName, (counts.get(d.clusterName) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(counts), { v1: 1000, v2: 2000, v3: 7000 });
  // Edges: 0 and just under 1; the same random gives the same (preallocated) decision.
  const first = t.route(request('/'), 0);
  assert.equal(first.kind === 'cluster' && first.clusterName, 'v1');
  assert.equal(t.route(request('/'), 0), first);
  const last = t.route(request('/'), 0.99999999);
  assert.equal(last.kind === 'cluster' && last.clusterName, 'v3');
});

test('weights must be integers with a positive sum', () => {
  const wc = (weight: number) => ({
    name: 'a',
    weight,
    requestHeaders: { add: [], remove: [] },
    responseHeaders: { add: [], remove: [] },
  });
  for (const [w, msg] of [
    [[wc(0)], /sum of weights/],
    [[wc(1.5)], /not a non-negative integer/],
    [[], /has no cluster/],
  ] as const) {
    const r = compileRouteTable(
      config([vhost({ routes: [route({ action: action({ weightedClusters: [...w] }) })] })]),
    );
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.errors[0]!.message, msg);
  }
});

test('cluster_header: the header names the cluster; missing → no_cluster 503', () => {
  const t = one({ action: action({ clusterHeader: 'X-Cluster' }) });
  const d = t.route(request('/', { headers: [['x-cluster', 'outbound|80||a']] }), 0);
  assert.equal(d.kind === 'cluster' && d.clusterName, 'outbound|80||a');
  const missing = t.route(request('/'), 0);
  assert.equal(missing.kind, 'no_cluster');
  if (missing.kind === 'no_cluster') {
    assert.equal(missing.status, 503);
    assert.equal(missing.header, 'x-cluster');
  }
});

test('direct responses and their validation', () => {
  const t = one({ action: { kind: 'direct_response', status: 418, body: 'teapot' } });
  const d = t.route(request('/'), 0);
  assert.deepEqual(d.kind === 'direct_response' && [d.status, d.body], [418, 'teapot']);
  const bad = compileRouteTable(
    config([vhost({ routes: [route({ action: { kind: 'direct_response', status: 99 } })] })]),
  );
  assert.equal(bad.ok, false);
});

function redirect(r: Partial<RedirectActionConfig>, pathMatch = match()): RouteTable {
  return one({ match: pathMatch, action: { kind: 'redirect', responseCode: 301, stripQuery: false, ...r } });
}

function location(d: RouteDecision): string | undefined {
  return d.kind === 'redirect' ? d.location : undefined;
}

test('redirect Location: scheme, host, port, path, query, default ports', () => {
  const cases: [Partial<RedirectActionConfig>, string, string, string, [string, string][]?][] = [
    [{ schemeRedirect: 'https' }, 'foo.com:80', '/a?b=1', 'https://foo.com/a?b=1'],
    [{ schemeRedirect: 'https' }, 'foo.com:8080', '/a', 'https://foo.com:8080/a'],
    [{ schemeRedirect: 'https' }, 'foo.com', '/a', 'https://foo.com/a'],
    // A port_redirect is written even when it is the scheme's default, as Envoy writes it.
    [{ schemeRedirect: 'https', portRedirect: 443 }, 'foo.com:80', '/', 'https://foo.com:443/'],
    [{ schemeRedirect: 'https' }, 'foo.com:80', '/', 'https://foo.com/'],
    [{ hostRedirect: 'bar.com', portRedirect: 8443 }, 'foo.com', '/a?q', 'http://bar.com:8443/a?q'],
    [{ portRedirect: 9000 }, 'foo.com:80', '/a', 'http://foo.com:9000/a'],
    [{ portRedirect: 9000 }, '[::1]:80', '/a', 'http://[::1]:9000/a'],
    [{ pathRedirect: '/new' }, 'foo.com', '/old?x=1', 'http://foo.com/new?x=1'],
    [{ pathRedirect: '/new', stripQuery: true }, 'foo.com', '/old?x=1', 'http://foo.com/new'],
    [{ pathRedirect: '/new?y=2', stripQuery: true }, 'foo.com', '/old?x=1', 'http://foo.com/new?y=2'],
    [{ pathRedirect: 'rel' }, 'foo.com', '/old', 'http://foo.com/rel'],
    [{ stripQuery: true }, 'foo.com', '/a?x', 'http://foo.com/a'],
    // X-Forwarded-Proto is the request's scheme for port stripping.
    [{ schemeRedirect: 'http' }, 'foo.com:443', '/', 'http://foo.com/', [['x-forwarded-proto', 'https']]],
  ];
  for (const [r, authority, path, want, headers] of cases) {
    const t = redirect(r);
    assert.equal(
      location(t.route(request(path, { authority, headers: headers ?? [] }), 0)),
      want,
      JSON.stringify(r),
    );
  }
  const prefix = redirect(
    { prefixRewrite: '/new/', responseCode: 302 },
    match({ path: { kind: 'prefix', value: '/old/' } }),
  );
  const d = prefix.route(request('/old/a?z=1'), 0);
  assert.deepEqual(d.kind === 'redirect' && [d.status, d.location], [302, 'http://example.com/new/a?z=1']);
  const regex = redirect({ regexRewrite: { pattern: '^/v(\\d)/', substitution: '/version\\1/' } });
  assert.equal(location(regex.route(request('/v2/x?q'), 0)), 'http://example.com/version2/x?q');
  const bad = compileRouteTable(
    config([
      vhost({ routes: [route({ action: { kind: 'redirect', responseCode: 200, stripQuery: false } })] }),
    ]),
  );
  assert.equal(bad.ok, false);
});

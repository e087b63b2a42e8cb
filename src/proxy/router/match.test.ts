import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HeaderMatcherConfig, QueryParameterMatcherConfig, RouteMatchConfig } from '../config/index.ts';
import { compileRouteTable, type RouteTable } from './index.ts';
import { action, config, match, request, route, vhost } from './test-fixtures.ts';

/** A table with one route using `m` (cluster 'hit') and a fallback that can never match. */
function only(m: Partial<RouteMatchConfig>): RouteTable {
  const r = compileRouteTable(
    config([vhost({ routes: [route({ match: match(m), action: action({ cluster: 'hit' }) })] })]),
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.table;
}

function hits(
  t: RouteTable,
  path: string,
  headers: [string, string][] = [],
  random = 0,
  method = 'GET',
): boolean {
  return t.route(request(path, { headers, method }), random).kind === 'cluster';
}

test('prefix matches the whole target, query included; case_sensitive false folds ASCII', () => {
  const t = only({ path: { kind: 'prefix', value: '/api' } });
  assert.ok(hits(t, '/api'));
  assert.ok(hits(t, '/apiv2/x'));
  assert.ok(!hits(t, '/API'));
  assert.ok(!hits(t, '/ap'));
  assert.ok(hits(only({ path: { kind: 'prefix', value: '/a?x' } }), '/a?x=1'));
  const ci = only({ path: { kind: 'prefix', value: '/Api' }, caseSensitive: false });
  assert.ok(hits(ci, '/aPI/x'));
});

test('path is exact on the path without query', () => {
  const t = only({ path: { kind: 'path', value: '/productpage' } });
  assert.ok(hits(t, '/productpage'));
  assert.ok(hits(t, '/productpage?u=normal'));
  assert.ok(!hits(t, '/productpage/'));
  assert.ok(!hits(t, '/Productpage'));
  assert.ok(
    hits(only({ path: { kind: 'path', value: '/Productpage' }, caseSensitive: false }), '/PRODUCTPAGE?x'),
  );
});

test('path_separated_prefix needs the prefix then end, / or query', () => {
  const t = only({ path: { kind: 'path_separated_prefix', value: '/api' } });
  assert.ok(hits(t, '/api'));
  assert.ok(hits(t, '/api/v1'));
  assert.ok(hits(t, '/api?x=1'));
  assert.ok(!hits(t, '/apiv1'));
  const bad = compileRouteTable(
    config([
      vhost({
        routes: [route({ match: match({ path: { kind: 'path_separated_prefix', value: '/api/' } }) })],
      }),
    ]),
  );
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.equal(bad.errors[0]!.path, 'virtualHosts[0].routes[0].match.path');
});

test('safe_regex matches the whole path without the query; RE2 syntax is checked', () => {
  const t = only({ path: { kind: 'safe_regex', value: '/reviews/\\d+' } });
  assert.ok(hits(t, '/reviews/12'));
  assert.ok(hits(t, '/reviews/12?x=y'));
  assert.ok(!hits(t, '/reviews/12/x'));
  assert.ok(!hits(t, '/x/reviews/12'));
  // RE2-only syntax still works (named groups, leading flags).
  assert.ok(hits(only({ path: { kind: 'safe_regex', value: '(?i)/(?P<n>abc)' } }), '/ABC'));
  // Backreferences and lookaheads are not RE2: compile errors.
  for (const bad of ['/(a)\\1', '/(?=a)']) {
    const r = compileRouteTable(
      config([vhost({ routes: [route({ match: match({ path: { kind: 'safe_regex', value: bad } }) })] })]),
    );
    assert.equal(r.ok, false, bad);
    if (!r.ok) assert.match(r.errors[0]!.message, /invalid RE2 regex/);
  }
});

function header(
  name: string,
  spec: HeaderMatcherConfig['spec'],
  extra: Partial<HeaderMatcherConfig> = {},
): HeaderMatcherConfig {
  return { name, spec, invert: false, treatMissingAsEmpty: false, ...extra };
}
const str = (kind: 'exact' | 'prefix' | 'suffix' | 'contains' | 'regex', value: string, ignoreCase = false) =>
  ({ kind: 'string', matcher: { kind, value, ignoreCase } }) as const;

test('header string matchers, ignore_case, several values joined with ","', () => {
  const cases: [HeaderMatcherConfig, string | undefined, boolean][] = [
    [header('end-user', str('exact', 'jason')), 'jason', true],
    [header('end-user', str('exact', 'jason')), 'Jason', false],
    [header('end-user', str('exact', 'jason', true)), 'JaSoN', true],
    [header('x', str('prefix', 'ab')), 'abc', true],
    [header('x', str('prefix', 'AB', true)), 'abc', true],
    [header('x', str('suffix', 'bc')), 'abc', true],
    [header('x', str('suffix', 'BC', true)), 'abc', true],
    [header('x', str('suffix', 'abcd')), 'abc', false],
    [header('x', str('contains', 'b')), 'abc', true],
    [header('x', str('contains', 'B', true)), 'abc', true],
    [header('x', str('contains', 'z')), 'abc', false],
    [header('x', str('regex', 'a.c')), 'abc', true],
    [header('x', str('regex', 'b')), 'abc', false], // regex must match the whole value
    [header('x', str('exact', 'jason')), undefined, false],
    [header('x', str('exact', 'jason'), { invert: true }), 'bob', true],
    [header('x', str('exact', 'jason'), { invert: true }), 'jason', false],
    // A missing header fails a value match even inverted (Envoy).
    [header('x', str('exact', 'jason'), { invert: true }), undefined, false],
    [header('x', str('exact', ''), { treatMissingAsEmpty: true }), undefined, true],
    [header('x', str('exact', 'a'), { treatMissingAsEmpty: true, invert: true }), undefined, true],
    [header('x', { kind: 'present', present: true }), '', true],
    [header('x', { kind: 'present', present: true }), undefined, false],
    [header('x', { kind: 'present', present: false }), undefined, true],
    [header('x', { kind: 'present', present: false }), 'v', false],
    [header('x', { kind: 'present', present: true }, { invert: true }), undefined, true],
    [header('x', { kind: 'present', present: false }, { treatMissingAsEmpty: true }), undefined, false],
    [header('x', { kind: 'range', start: -10, end: 10 }), '-10', true],
    [header('x', { kind: 'range', start: -10, end: 10 }), '10', false],
    [header('x', { kind: 'range', start: -10, end: 10 }), '5.5', false],
    [header('x', { kind: 'range', start: -10, end: 10 }), 'abc', false],
    [header('x', { kind: 'range', start: -10, end: 10 }, { invert: true }), '50', true],
  ];
  for (const [h, value, want] of cases) {
    const t = only({ headers: [h] });
    const headers: [string, string][] = value === undefined ? [] : [[h.name, value]];
    assert.equal(hits(t, '/', headers), want, JSON.stringify({ h, value }));
  }
  const joined = only({ headers: [header('x', str('exact', 'a,b'))] });
  assert.ok(
    hits(joined, '/', [
      ['x', 'a'],
      ['x', 'b'],
    ]),
  );
});

test('pseudo-headers :method, :authority, :path, :scheme', () => {
  assert.ok(hits(only({ headers: [header(':method', str('exact', 'POST'))] }), '/', [], 0, 'POST'));
  assert.ok(!hits(only({ headers: [header(':method', str('exact', 'POST'))] }), '/', [], 0, 'GET'));
  assert.ok(hits(only({ headers: [header(':authority', str('prefix', 'example'))] }), '/'));
  assert.ok(hits(only({ headers: [header(':path', str('regex', '/a\\?.*'))] }), '/a?b'));
  assert.ok(hits(only({ headers: [header(':scheme', str('exact', 'http'))] }), '/'));
});

function qp(
  name: string,
  m?: QueryParameterMatcherConfig['matcher'],
  presentMatch = false,
): QueryParameterMatcherConfig {
  return m === undefined ? { name, presentMatch } : { name, matcher: m, presentMatch };
}

test('query parameters: string matchers on values as sent (not decoded, as Envoy), present_match, first value', () => {
  const exact = only({ queryParameters: [qp('user', { kind: 'exact', value: 'a%20b', ignoreCase: false })] });
  assert.ok(hits(exact, '/p?user=a%20b'));
  assert.ok(hits(exact, '/p?x=1&user=a%20b&user=c'));
  assert.ok(!hits(exact, '/p?user=c&user=a%20b'));
  assert.ok(!hits(exact, '/p?user=a+b'));
  assert.ok(!hits(exact, '/p'));
  const decoded = only({ queryParameters: [qp('lang', { kind: 'exact', value: 'en', ignoreCase: false })] });
  assert.ok(hits(decoded, '/?lang=en'));
  assert.ok(!hits(decoded, '/?lang=%65n'), 'an escape is not decoded');
  assert.ok(!hits(decoded, '/?l%61ng=en'), 'nor is one in the name');
  assert.ok(
    hits(
      only({ queryParameters: [qp('user', { kind: 'prefix', value: 'JA', ignoreCase: true })] }),
      '/?user=jason',
    ),
  );
  assert.ok(
    hits(
      only({ queryParameters: [qp('us%65r', { kind: 'exact', value: '', ignoreCase: false })] }),
      '/?us%65r',
    ),
  );
  assert.ok(
    hits(
      only({ queryParameters: [qp('user', { kind: 'regex', value: '\\d+', ignoreCase: false })] }),
      '/?user=12',
    ),
  );
  const present = only({ queryParameters: [qp('debug', undefined, true)] });
  assert.ok(hits(present, '/?debug'));
  assert.ok(hits(present, '/?a=1&debug=0'));
  assert.ok(!hits(present, '/?debugx=1'));
  assert.ok(!hits(present, '/debug'));
});

test('grpc and runtime fraction', () => {
  const grpc = only({ grpc: true });
  assert.ok(hits(grpc, '/svc/M', [['content-type', 'application/grpc']]));
  assert.ok(hits(grpc, '/svc/M', [['content-type', 'application/grpc+proto']]));
  assert.ok(!hits(grpc, '/svc/M', [['content-type', 'application/grpcx']]));
  assert.ok(!hits(grpc, '/svc/M', [['content-type', 'application/json']]));
  assert.ok(!hits(grpc, '/svc/M'));
  const quarter = only({ fraction: 0.25 });
  let n = 0;
  for (let i = 0; i < 1000; i++) if (hits(quarter, '/', [], i / 1000)) n++;
  assert.equal(n, 250);
});

test('first match wins, in order; explain reports why earlier routes missed', () => {
  const r = compileRouteTable(
    config([
      vhost({
        routes: [
          route({
            name: 'a',
            match: match({ path: { kind: 'path', value: '/a' } }),
            action: action({ cluster: 'A' }),
          }),
          route({
            name: 'h',
            match: match({ headers: [header('end-user', str('exact', 'jason'))] }),
            action: action({ cluster: 'H' }),
          }),
          route({ name: 'all', action: action({ cluster: 'ALL' }) }),
        ],
      }),
    ]),
  );
  assert.ok(r.ok);
  const t = r.table;
  const ex = t.explain(request('/b', { headers: [['end-user', 'bob']] }), 0);
  assert.deepEqual(ex.route, { index: 2, name: 'all' });
  assert.match(ex.trace[1]!, /routes\[0\] "a": path path "\/a" does not match "\/b"/);
  assert.match(ex.trace[2]!, /routes\[1\] "h": header end-user exact "jason" does not match/);
  assert.match(ex.trace[3]!, /matches → cluster ALL/);
  const d = t.route(request('/x', { headers: [['end-user', 'jason']] }), 0);
  assert.equal(d.kind === 'cluster' && d.clusterName, 'H');
});

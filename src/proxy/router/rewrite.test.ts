import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PathMatchConfig, RouteActionConfig } from '../config/index.ts';
import { compileRouteTable, type MutableRequestHead } from './index.ts';
import { action, config, ctx, match, request, route, vhost } from './test-fixtures.ts';

/** Routes `head` through a one-route table and applies the route to it. */
function apply(
  path: PathMatchConfig,
  a: Partial<RouteActionConfig>,
  head: MutableRequestHead,
  hostname?: string,
  caseSensitive = true,
): MutableRequestHead {
  const r = compileRouteTable(
    config([vhost({ routes: [route({ match: match({ path, caseSensitive }), action: action(a) })] })]),
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const d = r.table.route(head, 0);
  assert.equal(d.kind, 'cluster');
  if (d.kind === 'cluster')
    d.route.applyToRequest(head, d, hostname === undefined ? ctx : { ...ctx, upstreamHostname: hostname });
  return head;
}

test('prefix_rewrite swaps the matched part as text: trailing slashes matter, query kept', () => {
  const cases: [PathMatchConfig, string, string, string][] = [
    [{ kind: 'prefix', value: '/prefix/' }, '/', '/prefix/a', '/a'],
    [{ kind: 'prefix', value: '/prefix' }, '/', '/prefix/a', '//a'],
    [{ kind: 'prefix', value: '/prefix' }, '/', '/prefix', '/'],
    [{ kind: 'prefix', value: '/prefix' }, '', '/prefix/a?x=1', '/a?x=1'],
    [{ kind: 'prefix', value: '/prefix/' }, '/v2/', '/prefix/a?x=1', '/v2/a?x=1'],
    [{ kind: 'path', value: '/a' }, '/b', '/a?q', '/b?q'],
    [{ kind: 'path_separated_prefix', value: '/api' }, '/v1', '/api/x', '/v1/x'],
    [{ kind: 'safe_regex', value: '/r/\\d+' }, '/x', '/r/12?q', '/x?q'],
  ];
  for (const [m, rewrite, path, want] of cases) {
    const head = apply(m, { prefixRewrite: rewrite }, request(path));
    assert.equal(head.path, want, `${m.value} → ${rewrite} on ${path}`);
    assert.equal(head.headers.get('x-envoy-original-path'), path);
  }
});

test('prefix_rewrite with case-insensitive match keeps the rest of the path', () => {
  const head = apply(
    { kind: 'prefix', value: '/API/' },
    { prefixRewrite: '/' },
    request('/api/Users'),
    undefined,
    false,
  );
  assert.equal(head.path, '/Users');
});

test('regex_rewrite: groups, every match replaced, query untouched', () => {
  const prefix = { kind: 'prefix', value: '/' } as const;
  const groups = apply(
    prefix,
    { regexRewrite: { pattern: '^/service/([^/]+)(/.*)$', substitution: '\\2/instance/\\1' } },
    request('/service/foo/v1/api?one=1'),
  );
  assert.equal(groups.path, '/v1/api/instance/foo?one=1');
  const global = apply(
    prefix,
    { regexRewrite: { pattern: 'one', substitution: 'two' } },
    request('/xxx/one/yyy/one/zzz?one'),
  );
  assert.equal(global.path, '/xxx/two/yyy/two/zzz?one');
  const dollar = apply(prefix, { regexRewrite: { pattern: 'a', substitution: '$1\\\\' } }, request('/a'));
  assert.equal(dollar.path, '/$1\\');
  const unchanged = apply(prefix, { regexRewrite: { pattern: 'nomatch', substitution: 'x' } }, request('/a'));
  assert.equal(unchanged.path, '/a');
  assert.equal(unchanged.headers.get('x-envoy-original-path'), '/a');
  for (const [pattern, substitution, msg] of [
    ['(a)(b)', '\\3', /refers to group \\3 but the pattern has 2/],
    ['(a)', 'x\\', /ends with/],
    ['(a', 'x', /invalid RE2 regex/],
  ] as const) {
    const r = compileRouteTable(
      config([vhost({ routes: [route({ action: action({ regexRewrite: { pattern, substitution } }) })] })]),
    );
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.errors[0]!.path, 'virtualHosts[0].routes[0].action');
      assert.match(r.errors[0]!.message, msg);
    }
  }
});

test('no rewrite configured: path and x-envoy-original-path untouched', () => {
  const head = apply({ kind: 'prefix', value: '/' }, {}, request('/a'));
  assert.equal(head.path, '/a');
  assert.equal(head.headers.has('x-envoy-original-path'), false);
});

test('host rewrite: literal, from a header, auto from the chosen host', () => {
  const p = { kind: 'prefix', value: '/' } as const;
  assert.equal(apply(p, { hostRewriteLiteral: 'new.host' }, request('/')).authority, 'new.host');
  assert.equal(
    apply(p, { hostRewriteHeader: 'X-Host' }, request('/', { headers: [['x-host', 'from.header']] }))
      .authority,
    'from.header',
  );
  assert.equal(apply(p, { hostRewriteHeader: 'x-host' }, request('/')).authority, 'example.com');
  assert.equal(
    apply(p, { autoHostRewrite: true }, request('/'), 'reviews-v1.local').authority,
    'reviews-v1.local',
  );
  assert.equal(apply(p, { autoHostRewrite: true }, request('/')).authority, 'example.com');
  const both = compileRouteTable(
    config([
      vhost({ routes: [route({ action: action({ autoHostRewrite: true, hostRewriteLiteral: 'x' }) })] }),
    ]),
  );
  assert.equal(both.ok, false);
});

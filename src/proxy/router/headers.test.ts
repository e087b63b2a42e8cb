import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { test } from 'node:test';
import type { HeaderAppendAction, HeaderMutationConfig } from '../config/index.ts';
import { HeaderMap } from '../headers/index.ts';
import { compileFormat, compileRouteTable } from './index.ts';
import { action, config, ctx, request, route, vhost } from './test-fixtures.ts';

function add(
  key: string,
  value: string,
  appendAction: HeaderAppendAction,
  keepEmptyValue = false,
  remove: string[] = [],
): HeaderMutationConfig {
  return { add: [{ key, value, appendAction, keepEmptyValue }], remove };
}

/** A table where every level (weighted cluster, route, vhost, config) adds `x-level: <level>` with `act`. */
function levels(act: HeaderAppendAction) {
  const wc = {
    name: 'w',
    weight: 1,
    requestHeaders: add('x-level', 'weighted', act),
    responseHeaders: add('x-level', 'weighted', act),
  };
  const r = compileRouteTable(
    config(
      [
        vhost({
          requestHeaders: add('x-level', 'vhost', act),
          responseHeaders: add('x-level', 'vhost', act),
          routes: [
            route({
              requestHeaders: add('x-level', 'route', act),
              responseHeaders: add('x-level', 'route', act),
              action: action({ weightedClusters: [wc] }),
            }),
          ],
        }),
      ],
      { requestHeaders: add('x-level', 'config', act), responseHeaders: add('x-level', 'config', act) },
    ),
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.table;
}

function run(act: HeaderAppendAction, initial: string[] = []): { req: string[]; resp: string[] } {
  const t = levels(act);
  const head = request('/', { headers: initial.map((v) => ['x-level', v]) });
  const d = t.route(head, 0);
  assert.equal(d.kind, 'cluster');
  if (d.kind !== 'cluster') return { req: [], resp: [] };
  d.route.applyToRequest(head, d, ctx);
  const resp = new HeaderMap();
  for (const v of initial) resp.add('x-level', v);
  d.route.applyToResponse(resp, head, d, ctx);
  return { req: head.headers.getAll('x-level'), resp: resp.getAll('x-level') };
}

test('mutation order: weighted cluster, route, virtual host, route configuration', () => {
  assert.deepEqual(run('APPEND_IF_EXISTS_OR_ADD', ['orig']).req, [
    'orig',
    'weighted',
    'route',
    'vhost',
    'config',
  ]);
  assert.deepEqual(run('APPEND_IF_EXISTS_OR_ADD').resp, ['weighted', 'route', 'vhost', 'config']);
  // Overwrite: the least specific level is applied last and wins.
  assert.deepEqual(run('OVERWRITE_IF_EXISTS_OR_ADD', ['orig']).req, ['config']);
  assert.deepEqual(run('OVERWRITE_IF_EXISTS_OR_ADD').resp, ['config']);
  // Add if absent: the first (most specific) level wins; an existing value is kept.
  assert.deepEqual(run('ADD_IF_ABSENT').req, ['weighted']);
  assert.deepEqual(run('ADD_IF_ABSENT', ['orig']).req, ['orig']);
  // Overwrite if exists: nothing when absent.
  assert.deepEqual(run('OVERWRITE_IF_EXISTS').req, []);
  assert.deepEqual(run('OVERWRITE_IF_EXISTS', ['a', 'b']).resp, ['config']);
});

test('removes come before adds at a level; empty values dropped unless keep_empty_value', () => {
  const r = compileRouteTable(
    config([
      vhost({
        routes: [
          route({
            requestHeaders: {
              add: [
                { key: 'x-a', value: 'new', appendAction: 'APPEND_IF_EXISTS_OR_ADD', keepEmptyValue: false },
                {
                  key: 'x-empty',
                  value: '%REQ(x-missing)%',
                  appendAction: 'APPEND_IF_EXISTS_OR_ADD',
                  keepEmptyValue: false,
                },
                {
                  key: 'x-kept',
                  value: '%REQ(x-missing)%',
                  appendAction: 'APPEND_IF_EXISTS_OR_ADD',
                  keepEmptyValue: true,
                },
              ],
              remove: ['x-a', 'x-gone'],
            },
          }),
        ],
      }),
    ]),
  );
  assert.ok(r.ok);
  const head = request('/', {
    headers: [
      ['x-a', 'old'],
      ['x-gone', '1'],
    ],
  });
  const d = r.table.route(head, 0);
  assert.ok(d.kind === 'cluster');
  d.route.applyToRequest(head, d, ctx);
  assert.deepEqual(head.headers.getAll('x-a'), ['new']);
  assert.equal(head.headers.has('x-gone'), false);
  assert.equal(head.headers.has('x-empty'), false);
  assert.equal(head.headers.get('x-kept'), '');
});

test('pseudo-headers and host cannot be mutated', () => {
  for (const m of [
    add(':path', '/x', 'OVERWRITE_IF_EXISTS_OR_ADD'),
    add('host', 'x', 'OVERWRITE_IF_EXISTS_OR_ADD'),
    { add: [], remove: [':authority'] },
  ]) {
    const r = compileRouteTable(config([vhost({ requestHeaders: m })]));
    assert.equal(r.ok, false, JSON.stringify(m));
  }
});

test('formatter commands, %% escape, compiled once', () => {
  const req = request('/p?q', {
    authority: 'h:80',
    method: 'POST',
    headers: [
      ['x-user', 'jason'],
      ['x-long', 'abcdef'],
    ],
  });
  const cases: [string, string][] = [
    ['plain', 'plain'],
    ['100%% sure', '100% sure'],
    ['%DOWNSTREAM_REMOTE_ADDRESS%', '10.0.0.7:51234'],
    ['ip=%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%;', 'ip=10.0.0.7;'],
    ['%UPSTREAM_REMOTE_ADDRESS%', '10.1.2.3:9080'],
    ['%PROTOCOL%', 'HTTP/1.1'],
    ['%HOSTNAME%', hostname()],
    ['%START_TIME%', '2024-01-02T03:04:05.678Z'],
    ['%START_TIME(%Y/%m/%d %H:%M:%S.%E3S %s)%', '2024/01/02 03:04:05.05.678 1704164645'],
    ['u=%REQ(X-User)%', 'u=jason'],
    ['%REQ(x-none?x-user)%', 'jason'],
    ['%REQ(x-long):3%', 'abc'],
    ['%REQ(:authority)% %REQ(:method)% %REQ(:path)%', 'h:80 POST /p?q'],
    ['[%REQ(x-none)%]', '[]'],
  ];
  for (const [text, want] of cases) {
    const f = compileFormat(text);
    assert.ok(f.ok, text);
    if (f.ok) assert.equal(f.value.format(req, ctx), want, text);
  }
  const constant = compileFormat('a%%b');
  assert.ok(constant.ok && constant.value.constant === 'a%b');
  for (const bad of ['%NOPE%', '%REQ%', '%PROTOCOL(x)%', 'trailing %', '%START_TIME(%Q)%']) {
    assert.equal(compileFormat(bad).ok, false, bad);
  }
  const r = compileRouteTable(
    config([vhost({ routes: [route({ responseHeaders: add('x', '%BOGUS%', 'APPEND_IF_EXISTS_OR_ADD') })] })]),
  );
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.errors[0]!.path, 'virtualHosts[0].routes[0].responseHeaders.add[0].value');
    assert.match(r.errors[0]!.message, /unknown or unsupported command %BOGUS%/);
  }
});

test('requestUsesContext: only header mutations (at any level) and auto_host_rewrite read the context', () => {
  const usesContext = (r: Parameters<typeof route>[0], v: Parameters<typeof vhost>[0] = {}): boolean => {
    const t = compileRouteTable(config([vhost({ ...v, routes: [route(r)] })]));
    if (!t.ok) throw new Error(JSON.stringify(t.errors));
    const d = t.table.route(request('/'), 0);
    assert.equal(d.kind, 'cluster');
    return d.kind === 'cluster' && d.route.requestUsesContext(d);
  };
  assert.equal(usesContext({}), false);
  assert.equal(usesContext({ action: action({ hostRewriteLiteral: 'up.example' }) }), false);
  assert.equal(usesContext({ action: action({ autoHostRewrite: true }) }), true);
  assert.equal(
    usesContext({ requestHeaders: add('x-a', '%DOWNSTREAM_REMOTE_ADDRESS%', 'APPEND_IF_EXISTS_OR_ADD') }),
    true,
  );
  assert.equal(usesContext({}, { requestHeaders: add('x-b', 'literal', 'APPEND_IF_EXISTS_OR_ADD') }), true);
  // Response mutations alone do not make the request's edits read it.
  assert.equal(usesContext({ responseHeaders: add('x-c', 'v', 'APPEND_IF_EXISTS_OR_ADD') }), false);
});

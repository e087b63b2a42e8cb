import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRouteTable, type RouteDecision, type RouteTable } from './index.ts';
import { action, config, request, route, vhost } from './test-fixtures.ts';

function table(hosts: [string, string[]][], opts = {}): RouteTable {
  const r = compileRouteTable(
    config(
      hosts.map(([name, domains]) =>
        vhost({ name, domains, routes: [route({ action: action({ cluster: name }) })] }),
      ),
    ),
    opts,
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.table;
}

function cluster(d: RouteDecision): string {
  return d.kind === 'cluster' ? d.clusterName : d.kind;
}

test('domain precedence: exact > longest suffix > longest prefix > *', () => {
  const t = table([
    ['exact', ['www.foo.com']],
    ['suffix', ['*.foo.com']],
    ['longsuffix', ['*-bar.foo.com']],
    ['prefix', ['foo.*']],
    ['longprefix', ['foo.bar.*']],
    ['any', ['*']],
  ]);
  const cases: [string, string][] = [
    ['www.foo.com', 'exact'],
    ['WWW.Foo.COM', 'exact'],
    ['api.foo.com', 'suffix'],
    ['baz-bar.foo.com', 'longsuffix'],
    ['-bar.foo.com', 'suffix'], // '*-bar.foo.com' does not match an empty wildcard
    ['foo.com', 'prefix'],
    ['foo', 'any'],
    ['foo.org', 'prefix'],
    ['foo.bar.org', 'longprefix'],
    ['foo.', 'any'],
    ['other', 'any'],
  ];
  for (const [host, want] of cases) {
    assert.equal(cluster(t.route(request('/', { authority: host }), 0)), want, host);
  }
});

test('the port is part of the host unless ignore_port_in_host_matching', () => {
  const t = table([
    ['plain', ['reviews']],
    ['ported', ['reviews:9080']],
  ]);
  assert.equal(cluster(t.route(request('/', { authority: 'reviews' }), 0)), 'plain');
  assert.equal(cluster(t.route(request('/', { authority: 'reviews:9080' }), 0)), 'ported');
  assert.equal(t.route(request('/', { authority: 'reviews:80' }), 0).kind, 'no_route');
  // '*.foo.com' does not match 'a.foo.com:80': the suffix includes the port.
  const w = table([['w', ['*.foo.com']]]);
  assert.equal(w.route(request('/', { authority: 'a.foo.com:80' }), 0).kind, 'no_route');

  const ignoring = table([['plain', ['reviews', '[::1]']]], { ignorePortInHostMatching: true });
  assert.equal(cluster(ignoring.route(request('/', { authority: 'reviews:9080' }), 0)), 'plain');
  assert.equal(cluster(ignoring.route(request('/', { authority: '[::1]:80' }), 0)), 'plain');
  // Cached lookups give the same answer.
  assert.equal(cluster(ignoring.route(request('/', { authority: 'reviews:9080' }), 0)), 'plain');
});

test('no virtual host: no_route', () => {
  const t = table([['a', ['a.com']]]);
  assert.equal(t.route(request('/', { authority: 'b.com' }), 0).kind, 'no_route');
  const ex = t.explain(request('/', { authority: 'b.com' }), 0);
  assert.equal(ex.virtualHost, undefined);
  assert.match(ex.trace[0]!, /no virtual host/);
});

test('duplicate domains are compile errors naming the field', () => {
  const r = compileRouteTable(
    config([
      vhost({ name: 'a', domains: ['Foo.com', '*'] }),
      vhost({ name: 'b', domains: ['foo.COM', '*'] }),
    ]),
  );
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(
    r.errors.map((e) => e.path),
    ['virtualHosts[1].domains[0]', 'virtualHosts[1].domains[1]'],
  );
  assert.match(r.errors[0]!.message, /Duplicate entry of domain foo\.com/);
  const empty = compileRouteTable(config([vhost({ domains: [] })]));
  assert.equal(empty.ok, false);
});

test("a connection's host memo answers repeated authorities, and a new table or Host looks up again", () => {
  const hosts: [string, string[]][] = [
    ['a', ['a.example']],
    ['b', ['b.example']],
  ];
  const t1 = table(hosts);
  const memo = { table: undefined as unknown, authority: '', found: undefined as unknown };
  assert.equal(cluster(t1.route(request('/', { authority: 'a.example' }), 0, memo)), 'a');
  assert.equal(memo.table, t1);
  assert.equal(memo.authority, 'a.example');
  assert.equal(cluster(t1.route(request('/', { authority: 'a.example' }), 0, memo)), 'a');
  assert.equal(cluster(t1.route(request('/', { authority: 'b.example' }), 0, memo)), 'b');
  assert.equal(cluster(t1.route(request('/', { authority: 'nowhere' }), 0, memo)), 'no_route');
  assert.equal(cluster(t1.route(request('/', { authority: 'nowhere' }), 0, memo)), 'no_route');
  // The same authority on a table compiled since (an RDS update) is looked up in that table.
  const t2 = table([['other', ['nowhere']]]);
  assert.equal(cluster(t2.route(request('/', { authority: 'nowhere' }), 0, memo)), 'other');
  assert.equal(memo.table, t2);
});

test("with '*' as the only domain every authority routes to it without the host memo", () => {
  const t = table([['all', ['*']]]);
  const memo = { table: undefined as unknown, authority: '', found: undefined as unknown };
  for (const authority of ['a.example', 'A.EXAMPLE:8080', '', '*', 'x'.repeat(300)])
    assert.equal(cluster(t.route(request('/', { authority }), 0, memo)), 'all', authority);
  assert.equal(memo.table, undefined, 'nothing to remember');
  // With any other domain beside '*', the lookup (and the memo) are back.
  const mixed = table([
    ['all', ['*']],
    ['a', ['a.example']],
  ]);
  assert.equal(cluster(mixed.route(request('/', { authority: 'a.example' }), 0, memo)), 'a');
  assert.equal(cluster(mixed.route(request('/', { authority: 'b.example' }), 0, memo)), 'all');
  assert.equal(memo.table, mixed);
});

// Routing semantics end to end: the real proxy on loopback, origins on node:net, assertions on
// what the client and the origin each saw.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  HeaderMatcherConfig,
  RouteConfig,
  RouteEntryConfig,
  RouteMatchConfig,
  VirtualHostConfig,
} from '../../src/proxy/config/index.ts';
import { startProxy } from '../../src/proxy/index.ts';
import {
  chain,
  cluster,
  counters,
  hcm,
  httpOrigin,
  KeepAliveClient,
  listener,
  rawServer,
  request,
  route,
  routeAction,
  snapshot,
} from './harness.ts';

const noMutation = () => ({ add: [], remove: [] });

function vh(name: string, domains: string[], routes: RouteEntryConfig[]): VirtualHostConfig {
  return { name, domains, routes, requestHeaders: noMutation(), responseHeaders: noMutation() };
}

function rc(vhosts: VirtualHostConfig[]): RouteConfig {
  return { name: 'rc', virtualHosts: vhosts, requestHeaders: noMutation(), responseHeaders: noMutation() };
}

const direct = (body: string): RouteEntryConfig['action'] => ({ kind: 'direct_response', status: 200, body });

function matched(
  m: Partial<RouteMatchConfig>,
  action: RouteEntryConfig['action'],
  name = 'r',
): RouteEntryConfig {
  const r = route('/', action, name);
  return { ...r, match: { ...r.match, ...m } };
}

const header = (name: string, spec: HeaderMatcherConfig['spec'], invert = false): HeaderMatcherConfig => ({
  name,
  spec,
  invert,
  treatMissingAsEmpty: false,
});

/** Origins that answer `<name> <path>` and remember the heads they got. */
async function named(...names: string[]) {
  const list = await Promise.all(
    names.map((n) =>
      httpOrigin((head) => {
        const body = `${n} ${head.split(' ')[1]}`;
        return `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
      }),
    ),
  );
  return list;
}

/** An origin that holds GET /first (its socket in `held`) until told, and answers anything else. */
async function holdingFirst(t: { after(fn: () => unknown): void }) {
  const held: import('node:net').Socket[] = [];
  const slow = await rawServer((s) => {
    s.on('data', (d) => {
      if (d.toString('latin1').startsWith('GET /first ')) held.push(s);
      else s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
  });
  t.after(() => slow.close());
  return { held, slow };
}

async function start(
  t: { after(fn: () => unknown): void },
  config: RouteConfig,
  clusters = [cluster('none', [])],
) {
  const p = await startProxy({
    snapshot: snapshot([listener('http', [chain(hcm(config))])], clusters, true),
  });
  t.after(() => p.close());
  return { p, port: p.addresses().get('http')!.port };
}

test('virtual host by Host: exact, then longest suffix wildcard, then prefix wildcard, then *', async (t) => {
  const { port } = await start(
    t,
    rc([
      vh('exact', ['api.example.com'], [route('/', direct('exact'))]),
      vh('suffix', ['*.example.com'], [route('/', direct('suffix'))]),
      vh('longer-suffix', ['*.eu.example.com'], [route('/', direct('longer-suffix'))]),
      vh('prefix', ['api.*'], [route('/', direct('prefix'))]),
      vh('any', ['*'], [route('/', direct('any'))]),
    ]),
  );
  const cases: [string, string][] = [
    ['api.example.com', 'exact'],
    ['API.Example.com', 'exact'],
    ['www.example.com', 'suffix'],
    ['x.eu.example.com', 'longer-suffix'],
    ['api.example.org', 'prefix'],
    ['other.org', 'any'],
    // The port is part of the host matched (no ignore_port_in_host_matching): only 'api.*' fits.
    ['api.example.com:8080', 'prefix'],
  ];
  for (const [host, want] of cases) {
    const r = await request(port, '/', { host });
    assert.equal(r.body, want, `Host: ${host}`);
  }
});

test('path, header and query matchers pick the first route that matches', async (t) => {
  const { port } = await start(
    t,
    rc([
      vh(
        'vh',
        ['*'],
        [
          matched({ path: { kind: 'path', value: '/exact' } }, direct('path')),
          matched({ path: { kind: 'safe_regex', value: '/items/[0-9]+' } }, direct('regex')),
          matched(
            {
              path: { kind: 'prefix', value: '/h' },
              headers: [
                header('x-version', {
                  kind: 'string',
                  matcher: { kind: 'exact', value: 'v2', ignoreCase: false },
                }),
              ],
            },
            direct('header-v2'),
          ),
          matched(
            {
              path: { kind: 'prefix', value: '/h' },
              headers: [header('x-canary', { kind: 'present', present: true })],
            },
            direct('header-present'),
          ),
          matched(
            {
              path: { kind: 'prefix', value: '/h' },
              headers: [
                header(
                  'x-user',
                  { kind: 'string', matcher: { kind: 'regex', value: 'admin-.*', ignoreCase: false } },
                  true,
                ),
              ],
            },
            direct('header-not-admin'),
          ),
          matched(
            {
              path: { kind: 'prefix', value: '/q' },
              queryParameters: [
                {
                  name: 'debug',
                  matcher: { kind: 'exact', value: '1', ignoreCase: false },
                  presentMatch: false,
                },
              ],
            },
            direct('query-debug'),
          ),
          matched(
            {
              path: { kind: 'prefix', value: '/q' },
              queryParameters: [{ name: 'trace', presentMatch: true }],
            },
            direct('query-present'),
          ),
          matched({ path: { kind: 'prefix', value: '/' } }, direct('prefix')),
        ],
      ),
    ]),
  );
  const cases: [string, Record<string, string>, string][] = [
    ['/exact', {}, 'path'],
    ['/exact/more', {}, 'prefix'],
    ['/exact?x=1', {}, 'path'],
    ['/items/42', {}, 'regex'],
    ['/items/42x', {}, 'prefix'],
    ['/h', { 'x-version': 'v2' }, 'header-v2'],
    ['/h', { 'x-version': 'v3', 'x-canary': '' }, 'header-present'],
    ['/h', { 'x-user': 'bob' }, 'header-not-admin'],
    ['/h', { 'x-user': 'admin-1' }, 'prefix'],
    ['/q?a=b&debug=1', {}, 'query-debug'],
    ['/q?debug=2', {}, 'prefix'],
    ['/q?trace', {}, 'query-present'],
  ];
  for (const [path, headers, want] of cases) {
    const r = await request(port, path, headers);
    assert.equal(r.body, want, `${path} ${JSON.stringify(headers)}`);
  }
});

test('weighted clusters split traffic by weight (400 requests, 80/20)', async (t) => {
  const [a, b] = await named('a', 'b');
  t.after(() => Promise.all([a!.close(), b!.close()]));
  const { port } = await start(
    t,
    rc([
      vh(
        'vh',
        ['*'],
        [
          route(
            '/',
            routeAction('', {
              cluster: undefined,
              weightedClusters: [
                { name: 'a', weight: 80, requestHeaders: noMutation(), responseHeaders: noMutation() },
                { name: 'b', weight: 20, requestHeaders: noMutation(), responseHeaders: noMutation() },
              ],
            }),
          ),
        ],
      ),
    ]),
    [cluster('a', [a!.port]), cluster('b', [b!.port])],
  );
  const client = new KeepAliveClient(port);
  t.after(() => client.close());
  let toB = 0;
  const n = 400;
  for (let i = 0; i < n; i++) if ((await client.send('/')).body.startsWith('b ')) toB++;
  // Binomial(400, 0.2): mean 80, sd 8. ±30 is 3.75 sd: fails with probability < 0.0002.
  assert.ok(Math.abs(toB - 80) <= 30, `b got ${toB} of ${n}`);
});

test('prefix and regex rewrites: the origin sees the new path and x-envoy-original-path; host rewrite', async (t) => {
  const [o] = await named('o');
  t.after(() => o!.close());
  const { port } = await start(
    t,
    rc([
      vh(
        'vh',
        ['*'],
        [
          route('/api/', routeAction('o', { prefixRewrite: '/v2/' })),
          matched(
            { path: { kind: 'safe_regex', value: '/svc/[^/]+/.*' } },
            routeAction('o', {
              regexRewrite: { pattern: '^/svc/([^/]+)/(.*)$', substitution: '/\\2/by/\\1' },
            }),
          ),
          route('/host', routeAction('o', { hostRewriteLiteral: 'upstream.internal' })),
        ],
      ),
    ]),
    [cluster('o', [o!.port])],
  );
  assert.equal((await request(port, '/api/users?id=1')).body, 'o /v2/users?id=1');
  assert.match(o!.heads.at(-1)!, /x-envoy-original-path: \/api\/users\?id=1/);
  assert.equal((await request(port, '/svc/reviews/list')).body, 'o /list/by/reviews');
  assert.match(o!.heads.at(-1)!, /x-envoy-original-path: \/svc\/reviews\/list/);
  await request(port, '/host', { host: 'front.example.com' });
  assert.match(o!.heads.at(-1)!, /\r\nhost: upstream\.internal\r\n/);
  assert.doesNotMatch(o!.heads.at(-1)!, /x-envoy-original-path/);
});

test('redirect with scheme, host and path; direct response; 404 NR', async (t) => {
  const { p, port } = await start(
    t,
    rc([
      vh(
        'vh',
        ['*'],
        [
          route('/moved', {
            kind: 'redirect',
            schemeRedirect: 'https',
            hostRedirect: 'new.example.com',
            pathRedirect: '/landing',
            responseCode: 302,
            stripQuery: false,
          }),
          route('/teapot', { kind: 'direct_response', status: 418, body: 'short and stout' }),
        ],
      ),
    ]),
  );
  const r = await request(port, '/moved?x=1', { host: 'old.example.com' });
  assert.equal(r.status, 302);
  assert.equal(r.headers['location'], 'https://new.example.com/landing?x=1');
  const d = await request(port, '/teapot');
  assert.equal(d.status, 418);
  assert.equal(d.body, 'short and stout');
  assert.equal(d.headers['content-type'], 'text/plain');
  const nr = await request(port, '/nothing');
  assert.equal(nr.status, 404);
  assert.equal(nr.body, '');
  const c = counters(p.stats);
  assert.equal(c['http.ingress_http.rq_redirect'], 1);
  assert.equal(c['http.ingress_http.rq_direct_response'], 1);
  assert.equal(c['http.ingress_http.no_route'], 1);
});

test("503 UH with no endpoints, 503 UF on a closed port with Envoy's text, 504 UT on route timeout", async (t) => {
  const closed = await rawServer(() => {});
  const closedPort = closed.port;
  await closed.close();
  const silent = await rawServer(() => {});
  t.after(() => silent.close());
  const { p, port } = await start(
    t,
    rc([
      vh(
        'vh',
        ['*'],
        [
          route('/uh', routeAction('empty')),
          route('/uf', routeAction('down')),
          route('/ut', routeAction('silent', { timeoutMs: 150 })),
        ],
      ),
    ]),
    [cluster('empty', []), cluster('down', [closedPort]), cluster('silent', [silent.port])],
  );
  const uh = await request(port, '/uh');
  assert.equal(uh.status, 503);
  assert.equal(uh.body, 'no healthy upstream');
  const uf = await request(port, '/uf');
  assert.equal(uf.status, 503);
  assert.match(
    uf.body,
    /^upstream connect error or disconnect\/reset before headers\. reset reason: (remote )?connection failure/,
  );
  const ut = await request(port, '/ut');
  assert.equal(ut.status, 504);
  assert.equal(ut.body, 'upstream request timeout');
  const c = counters(p.stats);
  assert.equal(c['cluster.empty.upstream_cx_none_healthy'], 1);
  assert.equal(c['cluster.down.upstream_cx_connect_fail'], 1);
  assert.equal(c['cluster.silent.upstream_rq_timeout'], 1);
});

test('circuit breaker: a second concurrent request over max_requests 1 gets 503 with x-envoy-overloaded', async (t) => {
  const { held, slow } = await holdingFirst(t);
  const { p, port } = await start(t, rc([vh('vh', ['*'], [route('/', routeAction('slow'))])]), [
    cluster('slow', [slow.port], {
      circuitBreakers: { maxConnections: 1, maxPendingRequests: 1, maxRequests: 1, maxRetries: 3 },
    }),
  ]);
  const first = request(port, '/first');
  while (held.length === 0) await new Promise((r) => setTimeout(r, 5));
  const second = await request(port, '/second');
  assert.equal(second.status, 503);
  assert.equal(second.headers['x-envoy-overloaded'], 'true');
  assert.equal(
    second.body,
    'upstream connect error or disconnect/reset before headers. reset reason: overflow',
  );
  held[0]!.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  assert.equal((await first).status, 200);
  assert.equal(counters(p.stats)['cluster.slow.upstream_rq_pending_overflow'], 1);
  // The slot was given back: the next request goes through.
  assert.equal((await request(port, '/third')).status, 200);
});

test('x-request-id, x-forwarded-for and x-envoy-upstream-service-time; a client x-request-id is kept', async (t) => {
  const [o] = await named('o');
  t.after(() => o!.close());
  const { port } = await start(t, rc([vh('vh', ['*'], [route('/', routeAction('o'))])]), [
    cluster('o', [o!.port]),
  ]);
  const r = await request(port, '/', { 'x-forwarded-for': '10.1.2.3' });
  assert.match(r.headers['x-envoy-upstream-service-time']!, /^\d+$/);
  const h = o!.heads.at(-1)!;
  assert.match(h, /\r\nx-request-id: [0-9a-f-]{36}\r\n/);
  assert.match(h, /\r\nx-forwarded-for: 10\.1\.2\.3,127\.0\.0\.1\r\n/);
  await request(port, '/', { 'x-request-id': 'my-id' });
  assert.match(o!.heads.at(-1)!, /\r\nx-request-id: my-id\r\n/);
});

for (const lbPolicy of ['RING_HASH', 'MAGLEV'] as const) {
  test(`${lbPolicy}: the same header value always reaches the same upstream`, async (t) => {
    const origins = await named('h0', 'h1', 'h2', 'h3');
    t.after(() => Promise.all(origins.map((o) => o.close())));
    const { port } = await start(
      t,
      rc([
        vh(
          'vh',
          ['*'],
          [
            route(
              '/',
              routeAction('hashed', {
                hashPolicy: [{ spec: { kind: 'header', name: 'x-user' }, terminal: false }],
              }),
            ),
          ],
        ),
      ]),
      [
        cluster(
          'hashed',
          origins.map((o) => o.port),
          { lbPolicy },
        ),
      ],
    );
    const client = new KeepAliveClient(port);
    t.after(() => client.close());
    const seen = new Set<string>();
    for (let u = 0; u < 12; u++) {
      const hosts = new Set<string>();
      for (let i = 0; i < 5; i++)
        hosts.add((await client.send('/', { 'x-user': `user-${u}` })).body.split(' ')[0]!);
      assert.equal(hosts.size, 1, `user-${u} reached ${[...hosts]}`);
      seen.add([...hosts][0]!);
    }
    // 12 users all on one of 4 hosts would be a broken hash (chance 4·4^-12).
    assert.ok(seen.size > 1, `all users on ${[...seen]}`);
  });
}

test('normalize_path and merge_slashes run before routing; a fragment is refused with 400', async (t) => {
  const [admin, rest] = await named('admin', 'rest');
  t.after(() => {
    admin!.close();
    rest!.close();
  });
  const routes = rc([
    vh('any', ['*'], [route('/admin', routeAction('admin')), route('/', routeAction('rest'))]),
  ]);
  const clusters = [cluster('admin', [admin!.port]), cluster('rest', [rest!.port])];
  const startWith = async (extra: Parameters<typeof hcm>[1]) => {
    const p = await startProxy({
      snapshot: snapshot([listener('http', [chain(hcm(routes, extra))])], clusters, true),
    });
    t.after(() => p.close());
    return { p, port: p.addresses().get('http')!.port };
  };
  // Without normalize_path the dot segments are routed and forwarded as sent (Envoy's default).
  const plain = await startWith({});
  assert.equal((await request(plain.port, '/x/../admin/y')).body, 'rest /x/../admin/y');
  // With it, '/x/../admin/y' is '/admin/y' for the routes and for the upstream.
  const norm = await startWith({ normalizePath: true, mergeSlashes: true });
  assert.equal((await request(norm.port, '/x/../admin/y')).body, 'admin /admin/y');
  assert.equal((await request(norm.port, '/x/%2e%2E/admin//y?q=/../a')).body, 'admin /admin/y?q=/../a');
  assert.equal((await request(norm.port, '//admin')).body, 'admin /admin');
  const nul = await request(norm.port, '/admin/%00');
  assert.equal(nul.status, 400);
  const frag = await request(plain.port, '/admin#top');
  assert.equal(frag.status, 400);
  assert.equal(counters(plain.p.stats)['http.ingress_http.downstream_rq_failed_path_normalization'], 1);
  assert.equal(counters(norm.p.stats)['http.ingress_http.downstream_rq_failed_path_normalization'], 1);
  assert.equal(admin!.heads.length, 3);
});

test('the route timeout includes the wait for a pooled connection (504 UT while queued)', async (t) => {
  // The single connection allowed is busy with /first while /second waits in the pool.
  const { held, slow } = await holdingFirst(t);
  const { p, port } = await start(
    t,
    rc([
      vh(
        'vh',
        ['*'],
        [
          route('/first', routeAction('slow', { timeoutMs: 0 })),
          route('/', routeAction('slow', { timeoutMs: 300 })),
        ],
      ),
    ]),
    [
      cluster('slow', [slow.port], {
        circuitBreakers: { maxConnections: 1, maxPendingRequests: 10, maxRequests: 10, maxRetries: 3 },
      }),
    ],
  );
  const first = request(port, '/first');
  while (held.length === 0) await new Promise((r) => setTimeout(r, 5));
  const started = Date.now();
  const second = await request(port, '/second');
  const waited = Date.now() - started;
  assert.equal(second.status, 504);
  assert.equal(second.body, 'upstream request timeout');
  assert.ok(waited >= 280 && waited < 1000, `504 after ${waited} ms, the route timeout is 300 ms`);
  assert.equal(counters(p.stats)['cluster.slow.upstream_rq_timeout'], 1);
  held[0]!.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  assert.equal((await first).status, 200);
});

// VirtualService http features, simulated: a request goes through the config pilot generates
// (decoded and routed by the proxy's own code) and must reach the route and cluster Istio's
// translation sends it to, with the rewrites, header changes, mirrors and filter settings Istio
// generates (pilot/pkg/networking/core/route/route.go is the reference).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { BOOKINFO, loadWith, NET, SAMPLES, sidecar, simulate } from './fixtures.ts';

const skip = existsSync(SAMPLES) ? false : 'Istio samples (../shared/istio) not present';
const productpage = sidecar({ app: 'productpage', version: 'v1' });
const cluster = (subset: string, host = 'ratings', port = 9080) =>
  `outbound|${port}|${subset}|${host}.default.svc.cluster.local`;

/** A VirtualService for `host` with the given http rules (YAML flow text, one per line). */
function sim(http: string, host = 'ratings') {
  const store = loadWith(
    [BOOKINFO, `${NET}destination-rule-all.yaml`],
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${host}, namespace: default}
spec:
  hosts: [${host}]
  http:
${http}
`,
  );
  return Object.assign(simulate(store, productpage), { store });
}

const req = (path: string, headers: Record<string, string> = {}, authority = 'ratings:9080') => ({
  routeConfig: 'http_proxy',
  authority,
  path,
  headers,
});

describe('VirtualService http features, simulated', { skip }, () => {
  test('rewrite: uri (prefix) and authority; uriRegexRewrite', () => {
    const s = sim(`  - name: api
    match: [{uri: {prefix: /ratings-api/}}]
    rewrite: {uri: /ratings/, authority: ratings.internal}
    route: [{destination: {host: ratings, subset: v1}}]
  - name: regex
    match: [{uri: {prefix: /r/}}]
    rewrite: {uriRegexRewrite: {match: '^/r/([0-9]+)$', rewrite: '/ratings/\\1'}}
    route: [{destination: {host: ratings, subset: v1}}]`);
    const r = s.request(req('/ratings-api/0?x=1'));
    assert.equal(r.route, 'api');
    assert.equal(r.cluster, cluster('v1'));
    assert.equal(r.upstream?.path, '/ratings/0?x=1', 'the matched prefix replaced, the query kept');
    assert.equal(r.upstream?.authority, 'ratings.internal');
    assert.deepEqual(r.upstream?.headers['x-envoy-original-path'], ['/ratings-api/0?x=1']);
    const rx = s.request(req('/r/7'));
    assert.equal(rx.route, 'regex');
    assert.equal(rx.upstream?.path, '/ratings/7');
    assert.equal(rx.upstream?.authority, 'ratings:9080', 'no authority rewrite asked: unchanged');
  });

  test('redirect: uri, authority, code, scheme and port as Istio sets them', () => {
    const s = sim(`  - match: [{uri: {exact: /old}}]
    redirect: {uri: /v1/bookRatings, authority: newratings.default.svc.cluster.local}
  - match: [{uri: {exact: /found}}]
    redirect: {uri: /new, redirectCode: 302}
  - match: [{uri: {exact: /tls}}]
    redirect: {scheme: https, port: 8443, authority: secure.example.com}
  - match: [{uri: {exact: /derive}}]
    redirect: {uri: /derived, derivePort: FROM_REQUEST_PORT}
  - match: [{uri: {exact: /default-port}}]
    redirect: {uri: /p, port: 80}
  - match: [{uri: {exact: /https-default}}]
    redirect: {uri: /p, scheme: https, port: 443}
  - route: [{destination: {host: ratings, subset: v1}}]`);
    const old = s.request(req('/old'));
    assert.equal(old.kind, 'redirect');
    assert.equal(old.status, 301, "Istio's default redirect code");
    assert.equal(old.location, 'http://newratings.default.svc.cluster.local/v1/bookRatings');
    const found = s.request(req('/found'));
    assert.equal(found.status, 302);
    assert.equal(found.location, 'http://ratings:9080/new', 'host and port kept when not redirected');
    assert.equal(s.request(req('/tls')).location, 'https://secure.example.com:8443/tls');
    // FROM_REQUEST_PORT: the port the route is generated for (Istio: the listener port), seen on a
    // captured sidecar's per-port route table, where the authority need not carry the port.
    const captured = simulate(s.store, sidecar({ app: 'productpage' }, { captureMode: 'IPTABLES' }));
    const derive = captured.request({ routeConfig: '9080', authority: 'ratings', path: '/derive' });
    assert.equal(derive.location, 'http://ratings:9080/derived');
    // Istio leaves an explicit port that is the scheme's default (80 for http, 443 for https) out of
    // port_redirect, so Envoy keeps the request's own port.
    assert.equal(s.request(req('/default-port')).location, 'http://ratings:9080/p');
    assert.equal(s.request(req('/https-default')).location, 'https://ratings:9080/p');
  });

  test('directResponse: status and body, no cluster', () => {
    const s = sim(`  - match: [{uri: {prefix: /maintenance}}]
    directResponse: {status: 503, body: {string: 'ratings is down for maintenance'}}
  - match: [{uri: {prefix: /teapot}}]
    directResponse: {status: 418}
  - route: [{destination: {host: ratings, subset: v1}}]`);
    const r = s.request(req('/maintenance/now'));
    assert.equal(r.kind, 'direct_response');
    assert.equal(r.status, 503);
    assert.equal(r.body, 'ratings is down for maintenance');
    assert.equal(r.cluster, undefined);
    const t = s.request(req('/teapot'));
    assert.equal(t.status, 418);
    assert.equal(t.body, undefined);
    assert.equal(s.request(req('/ratings/0')).cluster, cluster('v1'));
  });

  test('headers: request and response set / add / remove, on the route and on a destination', () => {
    const s = sim(`  - headers:
      request:
        set: {x-set: new, x-both: set}
        add: {x-add: added}
        remove: [x-remove]
      response:
        set: {x-resp-set: new}
        add: {x-resp-add: added}
        remove: [x-resp-remove]
    route:
    - destination: {host: ratings, subset: v1}
      headers:
        request: {set: {x-dest: v1}}
        response: {add: {x-served-by: v1}}`);
    const r = s.request({
      ...req('/ratings/0', { 'x-set': 'old', 'x-add': 'first', 'x-remove': 'gone', 'x-keep': 'kept' }),
      responseHeaders: { 'x-resp-set': 'old', 'x-resp-add': 'first', 'x-resp-remove': 'gone' },
    });
    assert.equal(r.cluster, cluster('v1'));
    const up = r.upstream!.headers;
    assert.deepEqual(up['x-set'], ['new'], 'set overwrites');
    assert.deepEqual(up['x-both'], ['set']);
    assert.deepEqual(up['x-add'], ['first', 'added'], 'add appends');
    assert.equal(up['x-remove'], undefined, 'removed');
    assert.deepEqual(up['x-keep'], ['kept']);
    assert.deepEqual(up['x-dest'], ['v1'], "the destination's own headers");
    const down = r.responseHeaders!;
    assert.deepEqual(down['x-resp-set'], ['new']);
    assert.deepEqual(down['x-resp-add'], ['first', 'added']);
    assert.equal(down['x-resp-remove'], undefined);
    assert.deepEqual(down['x-served-by'], ['v1']);
  });

  test('headers on weighted destinations go with the destination picked', () => {
    const s = sim(`  - route:
    - destination: {host: ratings, subset: v1}
      weight: 50
      headers: {request: {set: {x-version: v1}}, response: {set: {x-from: v1}}}
    - destination: {host: ratings, subset: v2}
      weight: 50
      headers: {request: {set: {x-version: v2}}, response: {set: {x-from: v2}}}`);
    for (const [random, v] of [
      [0.1, 'v1'],
      [0.9, 'v2'],
    ] as const) {
      const r = s.request({ ...req('/ratings/0'), random, responseHeaders: {} });
      assert.equal(r.cluster, cluster(v));
      assert.deepEqual(r.upstream?.headers['x-version'], [v]);
      assert.deepEqual(r.responseHeaders?.['x-from'], [v]);
    }
  });

  test("headers: setting 'host' rewrites the authority instead of adding a header, as Istio", () => {
    const s = sim(`  - match: [{uri: {prefix: /a}}]
    headers: {request: {set: {host: set.example.com}, add: {host: added.example.com}, remove: [x-gone]}}
    route: [{destination: {host: ratings, subset: v1}}]
  - match: [{uri: {prefix: /b}}]
    headers: {request: {add: {host: added.example.com}}}
    rewrite: {authority: rewrite.example.com}
    route: [{destination: {host: ratings, subset: v1}}]
  - match: [{uri: {prefix: /c}}]
    route:
    - destination: {host: ratings, subset: v1}
      headers: {request: {set: {host: dest.example.com}}}`);
    const a = s.request(req('/a', { 'x-gone': '1' }));
    assert.equal(a.cluster, cluster('v1'));
    assert.equal(a.upstream?.authority, 'set.example.com', "'set' wins over 'add'");
    assert.equal(a.upstream?.headers['host'], undefined, 'not sent as a header of its own');
    assert.equal(a.upstream?.headers[':authority'], undefined);
    assert.equal(a.upstream?.headers['x-gone'], undefined);
    assert.equal(s.request(req('/b')).upstream?.authority, 'rewrite.example.com', 'rewrite.authority wins');
    assert.equal(s.request(req('/c')).upstream?.authority, 'dest.example.com', "a destination's host header");
  });

  test('queryParams: exact, prefix, regex, and present (an empty match)', () => {
    const s = sim(`  - name: exact
    match: [{queryParams: {version: {exact: v2}}}]
    route: [{destination: {host: ratings, subset: v2}}]
  - name: prefix
    match: [{queryParams: {user: {prefix: test-}}}]
    route: [{destination: {host: ratings, subset: v2-mysql}}]
  - name: regex
    match: [{queryParams: {id: {regex: '[0-9]+'}}}]
    route: [{destination: {host: ratings, subset: v2-mysql-vm}}]
  - name: present
    match: [{queryParams: {debug: {}}}]
    route: [{destination: {host: ratings, subset: v1}}]
  - name: rest
    route: [{destination: {host: ratings}}]`);
    const at = (q: string) => s.request(req(`/ratings/0${q}`));
    assert.equal(at('?version=v2').route, 'exact');
    assert.equal(at('?version=v2').cluster, cluster('v2'));
    assert.equal(at('?version=v20').route, 'rest', 'exact is exact');
    assert.equal(at('?user=test-1').cluster, cluster('v2-mysql'));
    assert.equal(at('?id=42').cluster, cluster('v2-mysql-vm'));
    assert.equal(at('?id=4x2').route, 'rest', 'the regex matches the whole value');
    assert.equal(at('?debug').route, 'present');
    assert.equal(at('?debug=1').route, 'present');
    assert.equal(at('').route, 'rest');
    assert.equal(at('').cluster, cluster(''));
  });

  test('withoutHeaders: the rule takes requests that lack the header or have another value', () => {
    const s = sim(`  - name: not-jason
    match: [{withoutHeaders: {end-user: {exact: jason}}}]
    route: [{destination: {host: ratings, subset: v2}}]
  - name: no-debug
    match: [{withoutHeaders: {x-debug: {}}, uri: {prefix: /nodebug}}]
    route: [{destination: {host: ratings, subset: v2-mysql}}]
  - name: rest
    route: [{destination: {host: ratings, subset: v1}}]`);
    assert.equal(s.request(req('/ratings/0', { 'end-user': 'jason' })).route, 'rest');
    assert.equal(s.request(req('/ratings/0', { 'end-user': 'alice' })).cluster, cluster('v2'));
    // Istio sets treat_missing_header_as_empty on an inverted value match: a request without the
    // header is "without end-user: jason" too.
    const none = s.request(req('/ratings/0'));
    assert.equal(none.route, 'not-jason');
    assert.equal(none.cluster, cluster('v2'));
  });

  test('withoutHeaders with an empty match: the header must be absent', () => {
    const s = sim(`  - name: no-debug
    match: [{withoutHeaders: {x-debug: {}}}]
    route: [{destination: {host: ratings, subset: v2}}]
  - name: rest
    route: [{destination: {host: ratings, subset: v1}}]`);
    assert.equal(s.request(req('/ratings/0')).route, 'no-debug');
    assert.equal(s.request(req('/ratings/0', { 'x-debug': '' })).route, 'rest');
    assert.equal(s.request(req('/ratings/0', { 'x-debug': '1' })).route, 'rest');
  });

  test('ignoreUriCase: the uri matches in any case, only where asked', () => {
    const s = sim(`  - name: any-case
    match: [{uri: {exact: /Ratings/0}, ignoreUriCase: true}, {uri: {prefix: /API/}, ignoreUriCase: true}]
    route: [{destination: {host: ratings, subset: v2}}]
  - name: exact-case
    match: [{uri: {exact: /Other}}]
    route: [{destination: {host: ratings, subset: v2-mysql}}]
  - name: rest
    route: [{destination: {host: ratings, subset: v1}}]`);
    for (const p of ['/ratings/0', '/RATINGS/0', '/Ratings/0', '/api/x', '/Api/x']) {
      assert.equal(s.request(req(p)).route, 'any-case', p);
    }
    assert.equal(s.request(req('/Other')).route, 'exact-case');
    assert.equal(s.request(req('/other')).route, 'rest', 'case matters without ignoreUriCase');
  });

  test('mirror with mirrorPercentage, mirrors[], and a 0 % mirror that Istio leaves out', () => {
    const s = sim(
      `  - name: quarter
    match: [{uri: {prefix: /q}}]
    route: [{destination: {host: reviews, subset: v1}}]
    mirror: {host: reviews, subset: v2}
    mirrorPercentage: {value: 25.5}
  - name: all
    match: [{uri: {prefix: /a}}]
    route: [{destination: {host: reviews, subset: v1}}]
    mirror: {host: reviews, subset: v3}
  - name: none
    match: [{uri: {prefix: /n}}]
    route: [{destination: {host: reviews, subset: v1}}]
    mirror: {host: reviews, subset: v2}
    mirrorPercentage: {value: 0}
  - name: many
    route: [{destination: {host: reviews, subset: v1}}]
    mirrors:
    - destination: {host: reviews, subset: v2}
      percentage: {value: 10}
    - destination: {host: reviews, subset: v3}
    - destination: {host: ratings, subset: v1}
      percentage: {value: 0}`,
      'reviews',
    );
    const at = (p: string) => s.request(req(p, {}, 'reviews:9080'));
    assert.equal(at('/q').cluster, cluster('v1', 'reviews'));
    assert.deepEqual(at('/q').mirrorPolicies, [{ cluster: cluster('v2', 'reviews'), fraction: 0.255 }]);
    assert.deepEqual(at('/a').mirrorPolicies, [{ cluster: cluster('v3', 'reviews'), fraction: 1 }]);
    assert.deepEqual(at('/n').mirrorPolicies, [], 'mirrorPercentage 0: no mirror at all');
    assert.deepEqual(at('/x').mirrorPolicies, [
      { cluster: cluster('v2', 'reviews'), fraction: 0.1 },
      { cluster: cluster('v3', 'reviews'), fraction: 1 },
    ]);
  });

  test('corsPolicy: the per-route CORS policy Istio generates, with the CORS filter in the chain', () => {
    const s = sim(`  - corsPolicy:
      allowOrigins: [{exact: 'https://example.com'}, {prefix: 'https://dev.'}, {regex: 'https://.*\\.test'}]
      allowMethods: [GET, POST]
      allowHeaders: [x-custom, authorization]
      exposeHeaders: [x-exposed]
      maxAge: 24h
      allowCredentials: true
    route: [{destination: {host: ratings, subset: v1}}]`);
    const r = s.request(req('/ratings/0', { origin: 'https://example.com' }));
    assert.equal(r.cluster, cluster('v1'));
    assert.deepEqual(r.perFilterConfig?.['envoy.filters.http.cors'], {
      '@type': 'type.googleapis.com/envoy.config.route.v3.CorsPolicy',
      allow_origin_string_match: [
        { exact: 'https://example.com' },
        { prefix: 'https://dev.' },
        { safe_regex: { regex: 'https://.*\\.test' } },
      ],
      allow_methods: 'GET,POST',
      allow_headers: 'x-custom,authorization',
      expose_headers: 'x-exposed',
      max_age: '86400',
      allow_credentials: true,
      filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
      forward_not_matching_preflights: true,
    });
    const chain = JSON.stringify(s.listeners.get('http_proxy') ?? [...s.listeners.values()][0]);
    assert.match(chain, /envoy\.filters\.http\.cors/, 'the CORS filter runs on the sidecar');
  });

  test('corsPolicy: unmatchedPreflights IGNORE keeps preflights of other origins from the upstream', () => {
    const s = sim(`  - corsPolicy:
      allowOrigins: [{exact: 'https://example.com'}]
      allowMethods: [GET]
      unmatchedPreflights: IGNORE
    route: [{destination: {host: ratings, subset: v1}}]`);
    const cors = s.request(req('/ratings/0')).perFilterConfig?.['envoy.filters.http.cors'] as Record<
      string,
      unknown
    >;
    assert.equal(cors['forward_not_matching_preflights'], false);
  });

  test('corsPolicy: the deprecated allowOrigin list is exact origins, and maxAge counts whole seconds', () => {
    const s = sim(`  - corsPolicy: {allowOrigin: ['https://old.example.com'], maxAge: 1.5s}
    route: [{destination: {host: ratings, subset: v1}}]`);
    const cors = s.request(req('/ratings/0')).perFilterConfig?.['envoy.filters.http.cors'] as Record<
      string,
      unknown
    >;
    assert.deepEqual(cors['allow_origin_string_match'], [{ exact: 'https://old.example.com' }]);
    assert.equal(cors['max_age'], '1');
  });
});

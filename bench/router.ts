// Micro-benchmark of route matching (not a test): a 100-route table in the shape Istio generates
// (exact and prefix paths, some header matches, a weighted split), and the ns per route() call for
// requests that match early, late and not at all. Run: node_modules/.bin/node bench/router.ts

import type { RouteEntryConfig } from '../src/proxy/config/index.ts';
import { HeaderMap } from '../src/proxy/headers/index.ts';
import { compileRouteTable, computeHash, type RequestView } from '../src/proxy/router/index.ts';

const none = () => ({ add: [], remove: [] });
const routes: RouteEntryConfig[] = [];
for (let i = 0; i < 100; i++) {
  const kind = i % 3 === 0 ? 'path' : 'prefix';
  routes.push({
    name: `r${i}`,
    match: {
      path: { kind, value: `/svc${i}/api` },
      caseSensitive: true,
      headers:
        i % 5 === 0
          ? [
              {
                name: 'end-user',
                spec: { kind: 'string', matcher: { kind: 'exact', value: 'jason', ignoreCase: false } },
                invert: false,
                treatMissingAsEmpty: false,
              },
            ]
          : [],
      queryParameters: [],
      grpc: false,
    },
    action: {
      kind: 'route',
      weightedClusters:
        i % 7 === 0
          ? [
              {
                name: `outbound|9080|v1|svc${i}`,
                weight: 90,
                requestHeaders: none(),
                responseHeaders: none(),
              },
              {
                name: `outbound|9080|v2|svc${i}`,
                weight: 10,
                requestHeaders: none(),
                responseHeaders: none(),
              },
            ]
          : undefined,
      cluster: i % 7 === 0 ? undefined : `outbound|9080||svc${i}`,
      autoHostRewrite: false,
      timeoutMs: 0,
      hashPolicy: [],
      mirrors: [],
      upgrades: [],
    },
    requestHeaders: none(),
    responseHeaders: none(),
    perFilterConfig: {},
  });
}
const compiled = compileRouteTable({
  name: '9080',
  virtualHosts: [
    {
      name: 'svc:9080',
      domains: ['svc', 'svc:9080', 'svc.default.svc.cluster.local', 'svc.default.svc.cluster.local:9080'],
      routes,
      requestHeaders: none(),
      responseHeaders: none(),
    },
    {
      name: 'allow_any',
      domains: ['*'],
      routes: routes.slice(0, 1),
      requestHeaders: none(),
      responseHeaders: none(),
    },
  ],
  requestHeaders: none(),
  responseHeaders: none(),
});
if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
const table = compiled.table;

function req(path: string): RequestView {
  const headers = new HeaderMap();
  for (const [n, v] of [
    ['user-agent', 'bench'],
    ['accept', '*/*'],
    ['x-request-id', 'abc'],
    ['end-user', 'jason'],
  ])
    headers.add(n!, v!);
  return {
    method: 'GET',
    authority: 'svc.default.svc.cluster.local:9080',
    path,
    scheme: 'http',
    headers,
    sourceIp: '10.0.0.1',
  };
}

function measure(label: string, r: RequestView, n = 1_000_000): void {
  let sink = 0;
  for (let i = 0; i < 100_000; i++) sink += table.route(r, (i % 100) / 100).kind.length;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink += table.route(r, (i % 100) / 100).kind.length;
  const ns = Number(process.hrtime.bigint() - start) / n;
  console.log(`${label.padEnd(40)} ${ns.toFixed(1).padStart(8)} ns/match${sink < 0 ? '!' : ''}`);
}

measure('first route (/svc0/api)', req('/svc0/api'));
measure('route 50 (/svc50/api/x?y=1)', req('/svc50/api/x?y=1'));
measure('last route (/svc99/api/x)', req('/svc99/api/x'));
measure('no route (/nothing), 100 tried', req('/nothing'));
{
  const r = req('/svc1/api');
  const policies = [{ spec: { kind: 'header' as const, name: 'x-request-id' }, terminal: false }];
  const n = 1_000_000;
  const start = process.hrtime.bigint();
  let sink = 0n;
  for (let i = 0; i < n; i++) sink ^= computeHash(policies, r) ?? 0n;
  console.log(
    `${'computeHash(header)'.padEnd(40)} ${(Number(process.hrtime.bigint() - start) / n).toFixed(1).padStart(8)} ns/call${sink < 0n ? '!' : ''}`,
  );
}

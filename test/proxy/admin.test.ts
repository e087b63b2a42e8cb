// The admin interface after real traffic, and `weft proxy --bootstrap` as a real child process
// stopped by POST /quitquitquit and by SIGTERM.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startProxy } from '../../src/proxy/index.ts';
import {
  chain,
  cluster,
  hcm,
  httpOrigin,
  listener,
  request,
  route,
  routeAction,
  routeConfig,
  snapshot,
} from './harness.ts';

const ok = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

test('admin: /stats, /stats/prometheus, /clusters, /config_dump and /ready after traffic', async (t) => {
  const origin = await httpOrigin(() => ok);
  t.after(() => origin.close());
  const p = await startProxy({
    snapshot: snapshot(
      [listener('http', [chain(hcm(routeConfig([route('/', routeAction('backend'))])))])],
      [cluster('backend', [origin.port])],
      true,
    ),
  });
  t.after(() => p.close());
  const port = p.addresses().get('http')!.port;
  const admin = p.adminAddress()!.port;
  for (let i = 0; i < 3; i++) assert.equal((await request(port, '/')).status, 200);

  const stats = (await request(admin, '/stats')).body;
  const line = (name: string) => new RegExp(`^${name.replace(/\./g, '\\.')}: (\\d+)$`, 'm').exec(stats)?.[1];
  assert.equal(line('http.ingress_http.downstream_rq_2xx'), '3');
  assert.equal(line('cluster.backend.upstream_rq_total'), '3');
  assert.equal(line('listener.127.0.0.1_0_http.downstream_cx_total'), '3');
  assert.equal(line('listener.127.0.0.1_0_http.http.ingress_http.downstream_rq_2xx'), '3');
  const filtered = (await request(admin, '/stats?filter=upstream_rq_total')).body;
  assert.match(filtered, /cluster\.backend\.upstream_rq_total: 3/);
  assert.doesNotMatch(filtered, /downstream_cx_total/);

  const prom = await request(admin, '/stats/prometheus');
  assert.equal(prom.status, 200);
  assert.match(prom.body, /^# TYPE envoy_cluster_upstream_rq_total counter$/m);
  assert.match(prom.body, /^envoy_cluster_upstream_rq_total\{envoy_cluster_name="backend"\} 3$/m);

  const clusters = (await request(admin, '/clusters')).body;
  assert.match(clusters, new RegExp(`^backend::127\\.0\\.0\\.1:${origin.port}::rq_total::3$`, 'm'));
  assert.match(clusters, new RegExp(`^backend::127\\.0\\.0\\.1:${origin.port}::health_flags::healthy$`, 'm'));

  // A snapshot built in code (no bootstrap file, no xDS) has nothing as-given to show: Envoy's
  // shape, empty. The CLI test below checks the contents.
  const dump = await request(admin, '/config_dump');
  assert.equal(dump.headers['content-type'], 'application/json');
  assert.deepEqual(
    JSON.parse(dump.body).configs.map((c: { '@type': string }) => c['@type'].split('.').at(-1)),
    [
      'BootstrapConfigDump',
      'ClustersConfigDump',
      'ListenersConfigDump',
      'ScopedRoutesConfigDump',
      'RoutesConfigDump',
      'SecretsConfigDump',
    ],
  );

  const ready = await request(admin, '/ready');
  assert.equal(ready.status, 200);
  assert.equal(ready.body, 'LIVE\n');
});

const BIN = fileURLToPath(new URL('../../bin/weft.js', import.meta.url));

function bootstrap(originPort: number): string {
  return JSON.stringify({
    node: { id: 'cli-test', cluster: 'cli' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [
        {
          name: 'http',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type':
                      'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                    stat_prefix: 'cli_http',
                    route_config: {
                      name: 'local',
                      virtual_hosts: [
                        {
                          name: 'all',
                          domains: ['*'],
                          routes: [{ match: { prefix: '/' }, route: { cluster: 'backend' } }],
                        },
                      ],
                    },
                    http_filters: [
                      {
                        name: 'envoy.filters.http.router',
                        typed_config: {
                          '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
                        },
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [
        {
          name: 'backend',
          type: 'STATIC',
          connect_timeout: '1s',
          load_assignment: {
            cluster_name: 'backend',
            endpoints: [
              {
                lb_endpoints: [
                  {
                    endpoint: {
                      address: { socket_address: { address: '127.0.0.1', port_value: originPort } },
                    },
                  },
                ],
              },
            ],
          },
        },
      ],
    },
  });
}

/** Starts `weft proxy --bootstrap`, waits for its ready line, returns the listener and admin ports. */
async function runProxy(
  t: { after(fn: () => unknown): void },
  originPort: number,
): Promise<{
  child: ChildProcess;
  port: number;
  admin: number;
  exited: Promise<number | null>;
  out: () => string;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-proxy-'));
  const file = join(dir, 'bootstrap.json');
  writeFileSync(file, bootstrap(originPort));
  const child = spawn(process.execPath, [BIN, 'proxy', '--bootstrap', file, '--drain-ms', '200'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const deadline = Date.now() + 10000;
  let m: RegExpExecArray | null = null;
  while (!(m = /listeners http=127\.0\.0\.1:(\d+) admin=127\.0\.0\.1:(\d+)/.exec(out))) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`weft proxy did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, port: Number(m[1]), admin: Number(m[2]), exited, out: () => out };
}

test('alt_stat_name names the cluster in stats and /clusters; track_remaining adds remaining_* gauges', async (t) => {
  const origin = await httpOrigin(() => ok);
  t.after(() => origin.close());
  const p = await startProxy({
    snapshot: snapshot(
      [listener('http', [chain(hcm(routeConfig([route('/', routeAction('outbound|80||backend.ns'))])))])],
      [
        cluster('outbound|80||backend.ns', [origin.port], {
          altStatName: 'backend_alt',
          circuitBreakers: {
            maxConnections: 5,
            maxPendingRequests: 5,
            maxRequests: 5,
            maxRetries: 3,
            trackRemaining: true,
          },
        }),
      ],
      true,
    ),
  });
  t.after(() => p.close());
  const port = p.addresses().get('http')!.port;
  const admin = p.adminAddress()!.port;
  assert.equal((await request(port, '/')).status, 200);
  const stats = (await request(admin, '/stats')).body;
  assert.match(stats, /^cluster\.backend_alt\.upstream_rq_total: 1$/m);
  assert.doesNotMatch(stats, /cluster\.outbound\|80/);
  assert.match(stats, /^cluster\.backend_alt\.circuit_breakers\.default\.remaining_rq: 5$/m);
  assert.match(stats, /^cluster\.backend_alt\.circuit_breakers\.default\.remaining_cx: 4$/m);
  const clusters = (await request(admin, '/clusters')).body;
  assert.match(clusters, /^outbound\|80\|\|backend\.ns::observability_name::backend_alt$/m);
  // DEFAULT's thresholds as configured; HIGH's are Envoy's defaults when the cluster sets none.
  assert.match(clusters, /::default_priority::max_connections::5$/m);
  assert.match(clusters, /::high_priority::max_connections::1024$/m);
  assert.match(clusters, /::high_priority::max_retries::3$/m);
  const json = JSON.parse((await request(admin, '/clusters?format=json')).body);
  assert.deepEqual(
    json.cluster_statuses[0].circuit_breakers.thresholds.map(
      (x: { priority?: string; max_connections: number }) => [x.priority ?? 'DEFAULT', x.max_connections],
    ),
    [
      ['DEFAULT', 5],
      ['HIGH', 1024],
    ],
  );
});

test('weft proxy --bootstrap serves, then exits 0 on POST /quitquitquit', async (t) => {
  const origin = await httpOrigin(() => ok);
  t.after(() => origin.close());
  const run = await runProxy(t, origin.port);
  const r = await request(run.port, '/hello');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'ok');
  assert.match(origin.heads[0]!, /^GET \/hello HTTP\/1\.1/);

  // /config_dump: the bootstrap's resources as written there, in Envoy's ConfigDump shape.
  const configs = JSON.parse((await request(run.admin, '/config_dump?include_eds')).body).configs;
  const byType = (t: string) => configs.find((c: { '@type': string }) => c['@type'].endsWith(`.${t}`));
  assert.equal(byType('BootstrapConfigDump').bootstrap.node.id, 'cli-test');
  const staticCluster = byType('ClustersConfigDump').static_clusters[0];
  assert.equal(staticCluster.cluster['@type'], 'type.googleapis.com/envoy.config.cluster.v3.Cluster');
  assert.equal(staticCluster.cluster.name, 'backend');
  assert.match(staticCluster.last_updated, /^\d{4}-\d\d-\d\dT/);
  assert.equal(byType('ListenersConfigDump').static_listeners[0].listener.name, 'http');
  // An inline route_config is listed as a static route configuration, as Envoy does.
  assert.equal(byType('RoutesConfigDump').static_route_configs[0].route_config.name, 'local');
  const eds = byType('EndpointsConfigDump').static_endpoint_configs[0].endpoint_config;
  assert.equal(eds.cluster_name, 'backend');
  assert.equal(eds.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value, origin.port);
  const plain = JSON.parse((await request(run.admin, '/config_dump')).body).configs;
  assert.equal(plain.length, 6, 'endpoints only with ?include_eds');
  // ?resource= (endpoints need no include_eds then) and ?mask=, and an unknown resource.
  const eps = JSON.parse(
    (
      await request(
        run.admin,
        '/config_dump?resource=static_endpoint_configs&mask=endpoint_config.cluster_name',
      )
    ).body,
  ).configs;
  assert.deepEqual(eps, [
    {
      '@type': 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump.StaticEndpointConfig',
      endpoint_config: { cluster_name: 'backend' },
    },
  ]);
  const unknown = await request(run.admin, '/config_dump?resource=nope');
  assert.equal(unknown.status, 404);
  assert.match(unknown.body, /unknown resource 'nope'/);
  // A static endpoint given no health_status (UNKNOWN) is reported HEALTHY, as Envoy does.
  const hosts = JSON.parse((await request(run.admin, '/clusters?format=json')).body).cluster_statuses[0]
    .host_statuses;
  assert.deepEqual(hosts[0].health_status, { eds_health_status: 'HEALTHY' });
  const quit = await request(run.admin, '/quitquitquit', {}, 'POST');
  assert.equal(quit.status, 200);
  assert.equal(await run.exited, 0, run.out());
  assert.match(run.out(), /weft proxy draining/);
});

test('weft proxy --bootstrap exits 0 on SIGTERM', async (t) => {
  const origin = await httpOrigin(() => ok);
  t.after(() => origin.close());
  const run = await runProxy(t, origin.port);
  assert.equal((await request(run.port, '/')).status, 200);
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0, run.out());
});

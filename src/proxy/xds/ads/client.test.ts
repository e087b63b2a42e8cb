// The ADS client against the real ADS server over gRPC on loopback, with the real decoders.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { AdsServer } from '../../../pilot/xds/index.ts';
import {
  CLUSTER_TYPE,
  ENDPOINT_TYPE,
  HTTP_CONNECTION_MANAGER_TYPE,
  type JsonObject,
  LISTENER_TYPE,
  ROUTE_TYPE,
  ROUTER_TYPE,
} from '../../../xds/index.ts';
import { bootstrapDumpSources, renderConfigDump } from '../../admin/index.ts';
import type { NodeIdentity, ProxySnapshot } from '../../config/index.ts';
import { decodeBootstrap } from '../decode/index.ts';
import { AdsClient, adsTargetFromBootstrap, Backoff } from './index.ts';

const NODE: NodeIdentity = {
  id: 'sidecar~127.0.0.1~productpage-v1-1.default~default.svc.cluster.local',
  cluster: 'productpage.default',
  metadata: { NAMESPACE: 'default', LABELS: { app: 'productpage' } },
};
const REVIEWS = 'outbound|9080||reviews.default.svc.cluster.local';

/** The mesh config the generators read; tests mutate it and call configChanged(). */
interface Mesh {
  regex: string;
  endpointPort: number;
}

function listener(): JsonObject {
  return {
    '@type': LISTENER_TYPE,
    name: '0.0.0.0_9080',
    address: { socket_address: { address: '127.0.0.1', port_value: 9080 } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HTTP_CONNECTION_MANAGER_TYPE,
              stat_prefix: 'outbound_0.0.0.0_9080',
              rds: { route_config_name: '9080', config_source: { ads: {}, resource_api_version: 'V3' } },
              http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER_TYPE } }],
            },
          },
        ],
      },
    ],
  };
}

function serve(mesh: Mesh): AdsServer {
  const server = new AdsServer();
  server.register(LISTENER_TYPE, () => ({ resources: [listener()] }));
  server.register(CLUSTER_TYPE, () => ({
    resources: [
      {
        '@type': CLUSTER_TYPE,
        name: REVIEWS,
        type: 'EDS',
        eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
        connect_timeout: '1s',
      },
    ],
  }));
  server.register(ENDPOINT_TYPE, () => ({
    resources: [
      {
        '@type': ENDPOINT_TYPE,
        cluster_name: REVIEWS,
        endpoints: [
          {
            lb_endpoints: [
              {
                endpoint: {
                  address: { socket_address: { address: '127.0.0.1', port_value: mesh.endpointPort } },
                },
              },
            ],
          },
        ],
      },
    ],
  }));
  server.register(ROUTE_TYPE, () => ({
    resources: [
      {
        '@type': ROUTE_TYPE,
        name: '9080',
        virtual_hosts: [
          {
            name: 'reviews',
            domains: ['*'],
            routes: [{ match: { safe_regex: { regex: mesh.regex } }, route: { cluster: REVIEWS } }],
          },
        ],
      },
    ],
  }));
  return server;
}

function connect(
  t: TestContext,
  port: number,
  snapshots: ProxySnapshot[],
  statics?: ConstructorParameters<typeof AdsClient>[0]['staticResources'],
): AdsClient {
  const client = new AdsClient({
    address: `127.0.0.1:${port}`,
    node: NODE,
    ...(statics ? { staticResources: statics } : {}),
    onSnapshot: (s) => {
      snapshots.push(s);
    },
    backoff: { initialMs: 20, maxMs: 100 },
  });
  client.start();
  t.after(() => client.stop());
  return client;
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const allSynced = (server: AdsServer): boolean =>
  server.status().length === 1 && server.status()[0]!.types.every((s) => s.status === 'SYNCED');

const endpointPort = (s: ProxySnapshot): number | undefined =>
  s.endpoints.get(REVIEWS)?.localities[0]?.endpoints[0]?.address.port;

test('CDS, EDS, LDS and RDS arrive, are ACKed, and make exactly one snapshot', async (t) => {
  const mesh: Mesh = { regex: '/reviews/.*', endpointPort: 40001 };
  const server = serve(mesh);
  const port = await server.listen('127.0.0.1:0');
  t.after(() => server.close());
  const snapshots: ProxySnapshot[] = [];
  connect(t, port, snapshots);

  await waitFor('every type SYNCED', () => allSynced(server));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(snapshots.length, 1);
  const s = snapshots[0]!;
  assert.deepEqual(
    s.listeners.map((l) => l.name),
    ['0.0.0.0_9080'],
  );
  assert.deepEqual(
    s.clusters.map((c) => c.name),
    [REVIEWS],
  );
  assert.deepEqual([...s.routes.keys()], ['9080']);
  assert.equal(endpointPort(s), 40001);
  assert.equal(s.node.id, NODE.id);
  assert.ok(s.versions.listeners && s.versions.routes);
  const status = server.status()[0]!;
  assert.deepEqual(status.types.find((x) => x.type === 'RDS')!.resourceNames, ['9080']);
  assert.deepEqual(status.types.find((x) => x.type === 'EDS')!.resourceNames, [REVIEWS]);
});

test('an invalid route is NACKed with the reason, the previous snapshot keeps serving, a fix is ACKed', async (t) => {
  const mesh: Mesh = { regex: '/reviews/.*', endpointPort: 40001 };
  const server = serve(mesh);
  const port = await server.listen('127.0.0.1:0');
  t.after(() => server.close());
  const snapshots: ProxySnapshot[] = [];
  const client = connect(t, port, snapshots, { dump: bootstrapDumpSources({}, '2026-01-01T00:00:00.000Z') });
  await waitFor('initial sync', () => allSynced(server) && snapshots.length === 1);

  mesh.regex = '/reviews/(';
  server.configChanged();
  const rds = () => server.status()[0]!.types.find((x) => x.type === 'RDS')!;
  await waitFor('the NACK', () => rds().lastNack !== undefined);
  assert.equal(rds().status, 'STALE');
  assert.match(rds().lastNack!.message, /RouteConfiguration '9080': invalid regex '\/reviews\/\('/);
  assert.match(rds().lastNack!.message, /virtual_hosts\[0\]\.routes\[0\]\.match\.safe_regex\.regex/);
  assert.equal(rds().lastNack!.versionKept, snapshots[0]!.versions.routes);
  assert.equal(snapshots.length, 1, 'no snapshot from a rejected update');
  assert.match(
    client.status().types.find((x) => x.typeUrl === ROUTE_TYPE)!.lastNack!.message,
    /invalid regex/,
  );
  // The rejected route is kept with its reason for /config_dump's error_state, beside the one in use.
  const failures = client.updateFailures();
  assert.deepEqual(
    failures.routes.map((f) => f.name),
    ['9080'],
  );
  assert.match(failures.routes[0]!.details, /invalid regex '\/reviews\/\('/);
  assert.equal(failures.routes[0]!.resource['@type'], ROUTE_TYPE);
  assert.deepEqual([failures.listeners, failures.clusters, failures.endpoints], [[], [], []]);
  const routes = renderConfigDump(snapshots[0]!.dump, { includeEds: false }, failures).configs[4]!;
  const entry = (routes['dynamic_route_configs'] as Record<string, Record<string, unknown>>[])[0]!;
  assert.equal(entry['route_config']!['name'], '9080');
  assert.equal(
    entry['error_state']!['version_info'],
    client.status().types.find((x) => x.typeUrl === ROUTE_TYPE)!.lastNack!.version,
  );
  assert.notEqual(entry['error_state']!['version_info'], entry['version_info']);
  assert.match(JSON.stringify(entry['error_state']!['failed_configuration']), /\/reviews\/\(/);
  assert.match(String(entry['error_state']!['details']), /invalid regex/);

  mesh.regex = '/reviews/[0-9]+';
  mesh.endpointPort = 40002;
  server.configChanged();
  await waitFor('the fix', () => snapshots.length >= 2 && allSynced(server));
  assert.deepEqual(client.updateFailures().routes, [], 'an accepted response clears the failures');
  const last = snapshots.at(-1)!;
  assert.equal(endpointPort(last), 40002);
  const route = last.routes.get('9080')!.virtualHosts[0]!.routes[0]!;
  assert.deepEqual(route.match.path, { kind: 'safe_regex', value: '/reviews/[0-9]+' });
});

test("the admin /config_dump shows the xDS resources as received, in Envoy's ConfigDump shape", async (t) => {
  const mesh: Mesh = { regex: '/reviews/.*', endpointPort: 40001 };
  const server = serve(mesh);
  const port = await server.listen('127.0.0.1:0');
  t.after(() => server.close());
  const snapshots: ProxySnapshot[] = [];
  const bootstrap = { node: { id: NODE.id }, dynamic_resources: { ads_config: {} } };
  connect(t, port, snapshots, { dump: bootstrapDumpSources(bootstrap, '2026-01-01T00:00:00.000Z') });
  await waitFor('initial sync', () => allSynced(server) && snapshots.length === 1);
  // biome-ignore lint/suspicious/noExplicitAny: the test walks a JSON document by Envoy's field names
  type Dump = Record<string, any>;
  const dumpOf = (s: ProxySnapshot, includeEds = false): Dump[] =>
    renderConfigDump(s.dump, { includeEds }).configs as Dump[];
  const first = snapshots[0]!;
  const [boot, clusters, listeners, , routes] = dumpOf(first);
  assert.equal(boot!['@type'], 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump');
  assert.deepEqual(boot!['bootstrap'], bootstrap);
  assert.equal(clusters!['version_info'], first.versions.clusters);
  const active = clusters!['dynamic_active_clusters'];
  assert.equal(active.length, 1);
  assert.equal(active[0].cluster['@type'], CLUSTER_TYPE);
  assert.equal(active[0].cluster.name, REVIEWS);
  assert.equal(active[0].cluster.type, 'EDS');
  assert.equal(active[0].version_info, first.versions.clusters);
  assert.deepEqual(clusters!['static_clusters'], []);
  assert.equal(listeners!['dynamic_listeners'][0].name, '0.0.0.0_9080');
  assert.equal(listeners!['dynamic_listeners'][0].active_state.listener['@type'], LISTENER_TYPE);
  assert.equal(routes!['dynamic_route_configs'][0].route_config.name, '9080');
  assert.equal(
    routes!['dynamic_route_configs'][0].route_config.virtual_hosts[0].routes[0].match.safe_regex.regex,
    '/reviews/.*',
  );
  // Endpoints only with ?include_eds, as in Envoy.
  assert.equal(dumpOf(first).length, 6);
  const eds = dumpOf(first, true)[6]!;
  assert.equal(eds['@type'], 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump');
  assert.equal(eds['dynamic_endpoint_configs'][0].endpoint_config.cluster_name, REVIEWS);

  // A route change: the route's entry is updated; the unchanged cluster keeps its version and time.
  await new Promise((r) => setTimeout(r, 5));
  mesh.regex = '/reviews/[0-9]+';
  server.configChanged();
  await waitFor('the change', () => snapshots.length >= 2 && allSynced(server));
  const [, clusters2, , , routes2] = dumpOf(snapshots.at(-1)!);
  assert.deepEqual(clusters2!['dynamic_active_clusters'][0], active[0]);
  const route2 = routes2!['dynamic_route_configs'][0];
  assert.equal(route2.route_config.virtual_hosts[0].routes[0].match.safe_regex.regex, '/reviews/[0-9]+');
  assert.ok(route2.last_updated > routes!['dynamic_route_configs'][0].last_updated);
});

test('a push that changes nothing for a proxy is not sent', async (t) => {
  const mesh: Mesh = { regex: '/x', endpointPort: 40001 };
  const server = serve(mesh);
  const port = await server.listen('127.0.0.1:0');
  t.after(() => server.close());
  const snapshots: ProxySnapshot[] = [];
  connect(t, port, snapshots);
  await waitFor('initial sync', () => allSynced(server) && snapshots.length === 1);
  const sent = () => server.status()[0]!.types.reduce((n, s) => n + s.responsesSent, 0);
  const before = sent();
  server.configChanged();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(sent(), before);
  assert.equal(snapshots.length, 1);
});

test('after a control-plane restart the client reconnects, reports its versions and resyncs', async (t) => {
  const mesh: Mesh = { regex: '/x', endpointPort: 40001 };
  let server = serve(mesh);
  const port = await server.listen('127.0.0.1:0');
  t.after(() => server.close());
  const snapshots: ProxySnapshot[] = [];
  const client = connect(t, port, snapshots);
  await waitFor('initial sync', () => allSynced(server) && snapshots.length === 1);
  const oldVersion = client.status().types.find((x) => x.typeUrl === CLUSTER_TYPE)!.version;

  await server.close();
  await waitFor('the client noticing', () => !client.status().connected);
  mesh.endpointPort = 40003;
  server = serve(mesh);
  await server.listen(`127.0.0.1:${port}`);
  // grpc-js's channel waits about a second before it dials again after a refused connection.
  await waitFor('resync', () => allSynced(server) && endpointPort(snapshots.at(-1)!) === 40003, 8000);
  assert.equal(server.status()[0]!.node.id, NODE.id);
  assert.notEqual(client.status().types.find((x) => x.typeUrl === CLUSTER_TYPE)!.version, oldVersion);
});

test('backoff grows exponentially with jitter up to the cap and resets', () => {
  const low = new Backoff({ initialMs: 500, maxMs: 30_000, random: () => 0 });
  assert.deepEqual(
    Array.from({ length: 9 }, () => low.next()),
    [250, 500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000],
  );
  const high = new Backoff({ initialMs: 500, maxMs: 30_000, random: () => 0.999999 });
  for (let i = 0; i < 7; i++) high.next();
  assert.equal(high.next(), 30_000);
  high.reset();
  assert.equal(high.next(), 500);
});

test('the ADS address comes from the bootstrap, and what is missing is named', () => {
  const bootstrap = {
    node: { id: NODE.id, cluster: NODE.cluster },
    dynamic_resources: {
      ads_config: {
        api_type: 'GRPC',
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }],
      },
      lds_config: { ads: {}, resource_api_version: 'V3' },
      cds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [
        {
          name: 'xds-grpc',
          type: 'STATIC',
          connect_timeout: '1s',
          load_assignment: {
            cluster_name: 'xds-grpc',
            endpoints: [
              {
                lb_endpoints: [
                  { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 15010 } } } },
                ],
              },
            ],
          },
        },
      ],
    },
  };
  const decoded = decodeBootstrap(bootstrap);
  assert.ok(decoded.ok, JSON.stringify(decoded));
  assert.deepEqual(adsTargetFromBootstrap(decoded.value), { ok: true, address: '127.0.0.1:15010' });
  const noAds = decodeBootstrap({ node: { id: NODE.id, cluster: NODE.cluster } });
  assert.ok(noAds.ok);
  assert.deepEqual(adsTargetFromBootstrap(noAds.value), {
    ok: false,
    message: 'bootstrap has no dynamic_resources.ads_config',
  });
});

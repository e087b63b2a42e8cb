// ACK means "running": a listener that decodes but that the proxy's engine refuses (an HTTP filter
// the decoder knows and the engine does not implement) must be NACKed with the engine's reason,
// shown by the control plane's status, while the proxy keeps serving its previous config.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdsServer } from '../../src/pilot/xds/index.ts';
import { startProxy } from '../../src/proxy/index.ts';
import { AdsClient } from '../../src/proxy/xds/index.ts';
import {
  CLUSTER_TYPE,
  HTTP_CONNECTION_MANAGER_TYPE,
  type JsonObject,
  LISTENER_TYPE,
  ROUTER_TYPE,
} from '../../src/xds/index.ts';

const NODE = {
  id: 'sidecar~127.0.0.1~productpage-v1-1.default~default.svc.cluster.local',
  cluster: 'productpage.default',
  metadata: { NAMESPACE: 'default', LABELS: { app: 'productpage' } },
};
// Decoded (a known extension) but not implemented by the engine; if the engine gains it, the NACK
// assertion below fails and another engine-level refusal is needed here.
const UNIMPLEMENTED = 'envoy.filters.http.grpc_stats';
const GRPC_STATS_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.grpc_stats.v3.FilterConfig';

function listener(statPrefix: string, extraFilters: JsonObject[]): JsonObject {
  return {
    '@type': LISTENER_TYPE,
    name: 'outbound_http',
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HTTP_CONNECTION_MANAGER_TYPE,
              stat_prefix: statPrefix,
              route_config: {
                name: 'local',
                virtual_hosts: [
                  {
                    name: 'all',
                    domains: ['*'],
                    routes: [{ match: { prefix: '/' }, route: { cluster: 'app' } }],
                  },
                ],
              },
              http_filters: [
                ...extraFilters,
                { name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER_TYPE } },
              ],
            },
          },
        ],
      },
    ],
  };
}

const cluster: JsonObject = {
  '@type': CLUSTER_TYPE,
  name: 'app',
  type: 'STATIC',
  connect_timeout: '1s',
  load_assignment: {
    cluster_name: 'app',
    endpoints: [
      {
        lb_endpoints: [
          { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 9 } } } },
        ],
      },
    ],
  },
};

async function waitFor(what: string, condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('a listener the engine refuses is NACKed with its reason and the last good config keeps serving', async (t) => {
  let current = listener('outbound_http', []);
  const server = new AdsServer();
  server.register(LISTENER_TYPE, () => ({ resources: [current] }));
  server.register(CLUSTER_TYPE, () => ({ resources: [cluster] }));
  const port = await server.listen('127.0.0.1:0');
  t.after(() => server.close());
  const proxy = await startProxy({
    snapshot: {
      node: NODE,
      listeners: [],
      clusters: [],
      routes: new Map(),
      endpoints: new Map(),
      versions: { listeners: '', clusters: '', routes: '', endpoints: '' },
    },
  });
  t.after(() => proxy.close(0));
  // Wired as `weft proxy` wires it: the engine's errors are the verdict.
  const client = new AdsClient({
    address: `127.0.0.1:${port}`,
    node: NODE,
    onSnapshot: (s) => proxy.update(s),
  });
  client.start();
  t.after(() => client.stop());

  const lds = () => server.status()[0]?.types.find((x) => x.type === 'LDS');
  await waitFor('LDS SYNCED', () => lds()?.status === 'SYNCED');
  const bound = proxy.addresses().get('outbound_http');
  assert.ok(bound, 'the good listener is running');
  const goodVersion = lds()!.versionAcked;

  current = listener('outbound_http', [{ name: UNIMPLEMENTED, typed_config: { '@type': GRPC_STATS_TYPE } }]);
  server.configChanged();
  await waitFor('the NACK', () => lds()?.lastNack !== undefined);
  const status = lds()!;
  assert.equal(status.status, 'STALE');
  assert.match(
    status.lastNack!.message,
    /listener outbound_http: .*http filter envoy\.filters\.http\.grpc_stats is not implemented/,
  );
  assert.equal(status.lastNack!.versionKept, goodVersion, 'the proxy reports the version it still runs');
  assert.equal(status.versionAcked, goodVersion);
  assert.deepEqual(proxy.addresses().get('outbound_http'), bound, 'the previous listener keeps serving');
  assert.match(
    client.status().types.find((x) => x.typeUrl === LISTENER_TYPE)!.lastNack!.message,
    /grpc_stats/,
  );
  assert.equal(client.status().types.find((x) => x.typeUrl === LISTENER_TYPE)!.version, goodVersion);
  // The refused listener is the update that failed, for /config_dump's error_state.
  const failed = client.updateFailures().listeners;
  assert.deepEqual(
    failed.map((f) => f.name),
    ['outbound_http'],
  );
  assert.match(failed[0]!.details, /^refused by the proxy: .*grpc_stats is not implemented/);
  assert.match(JSON.stringify(failed[0]!.resource), /grpc_stats/);

  current = listener('outbound_http_2', []);
  server.configChanged();
  await waitFor('the fix ACKed', () => lds()?.status === 'SYNCED' && lds()!.versionAcked !== goodVersion);
  assert.deepEqual(client.updateFailures().listeners, []);
});

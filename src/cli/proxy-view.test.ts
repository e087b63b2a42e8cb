import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RuntimeState } from '../runtime/index.ts';
import { endpointHealthRows } from './proxy-config.ts';
import { adminPortOf, endpointHealthFromClusters, resourcesFromConfigDump } from './proxy-view.ts';

test("an Envoy ConfigDump's static and dynamic resources, per kind", () => {
  const admin = 'type.googleapis.com/envoy.admin.v3.';
  const dump = {
    configs: [
      { '@type': `${admin}BootstrapConfigDump`, bootstrap: {} },
      {
        '@type': `${admin}ClustersConfigDump`,
        static_clusters: [{ cluster: { name: 'xds-grpc' } }],
        dynamic_active_clusters: [
          { version_info: 'v1', cluster: { name: 'outbound|9080||reviews' } },
          { error_state: { details: 'never accepted' } },
        ],
      },
      {
        '@type': `${admin}ListenersConfigDump`,
        dynamic_listeners: [
          { name: 'a', active_state: { listener: { name: 'a' } } },
          // A listener that only failed (Envoy's error_state) has no active config to show.
          { name: 'b', error_state: { details: 'bad' } },
        ],
      },
      {
        '@type': `${admin}RoutesConfigDump`,
        static_route_configs: [{ route_config: { name: 'inline' } }],
        dynamic_route_configs: [{ route_config: { name: '9080' } }],
      },
      {
        '@type': `${admin}EndpointsConfigDump`,
        dynamic_endpoint_configs: [{ endpoint_config: { cluster_name: 'r' } }],
      },
    ],
  };
  const r = resourcesFromConfigDump(dump);
  assert.deepEqual(
    r.clusters.map((c) => c['name']),
    ['xds-grpc', 'outbound|9080||reviews'],
  );
  assert.deepEqual(
    r.listeners.map((l) => l['name']),
    ['a'],
  );
  assert.deepEqual(
    r.routes.map((x) => x['name']),
    ['inline', '9080'],
  );
  assert.deepEqual(
    r.endpoints.map((e) => e['cluster_name']),
    ['r'],
  );
  assert.deepEqual(resourcesFromConfigDump({}), { clusters: [], listeners: [], routes: [], endpoints: [] });
});

test("endpoint health from /clusters?format=json, in istioctl's endpoint table", () => {
  const hosts = endpointHealthFromClusters({
    cluster_statuses: [
      {
        name: 'outbound|8000||backend',
        host_statuses: [
          {
            address: { socket_address: { address: '127.0.0.1', port_value: 41001 } },
            health_status: { failed_outlier_check: true, eds_health_status: 'HEALTHY' },
          },
          {
            address: { socket_address: { address: '127.0.0.1', port_value: 41002 } },
            health_status: { eds_health_status: 'HEALTHY' },
          },
        ],
      },
    ],
  });
  assert.deepEqual(endpointHealthRows(hosts), [
    ['127.0.0.1:41001', 'HEALTHY', 'FAILED', 'outbound|8000||backend'],
    ['127.0.0.1:41002', 'HEALTHY', 'OK', 'outbound|8000||backend'],
  ]);
});

test('the admin port of a sidecar or the gateway, from its xDS node id and the mesh state', () => {
  const nodeIdOf = (kind: string, name: string, namespace: string) =>
    `${kind}~127.0.0.1~${name}.${namespace}~${namespace}.svc.cluster.local`;
  const state = {
    pods: [{ name: 'curl-1', namespace: 'default', admin: 15001 }],
    gateway: { name: 'istio-ingressgateway', namespace: 'istio-system', admin: 15002 },
  } as unknown as RuntimeState;
  assert.equal(
    adminPortOf(state, 'sidecar~127.0.0.1~curl-1.default~default.svc.cluster.local', nodeIdOf),
    15001,
  );
  assert.equal(
    adminPortOf(
      state,
      'router~127.0.0.1~istio-ingressgateway.istio-system~istio-system.svc.cluster.local',
      nodeIdOf,
    ),
    15002,
  );
  assert.equal(
    adminPortOf(state, 'sidecar~127.0.0.1~curl-1.other~other.svc.cluster.local', nodeIdOf),
    undefined,
  );
  assert.equal(adminPortOf(undefined, 'sidecar~127.0.0.1~curl-1.default~x', nodeIdOf), undefined);
  assert.equal(adminPortOf(state, 'garbage', nodeIdOf), undefined);
});

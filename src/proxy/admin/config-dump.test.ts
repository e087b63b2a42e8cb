import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigDumpSources } from '../config/index.ts';
import { bootstrapDumpSources, queryConfigDump, RESOURCE_TYPE, renderConfigDump } from './config-dump.ts';

const HCM_TYPE =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

function hcmListener(name: string, routeConfigName: string): Record<string, unknown> {
  return {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: 8080 } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: { '@type': HCM_TYPE, stat_prefix: name, route_config: { name: routeConfigName } },
          },
        ],
      },
    ],
  };
}

test('a bootstrap dump: static resources typed, inline route configs as static routes, EDS on request', () => {
  const bootstrap = {
    node: { id: 'n' },
    static_resources: {
      listeners: [hcmListener('l1', 'inline')],
      clusters: [
        { name: 'c1', type: 'STATIC', load_assignment: { endpoints: [] } },
        { name: 'c2', type: 'EDS' },
      ],
    },
  };
  const at = '2026-12-04T00:00:00.000Z';
  const d = bootstrapDumpSources(bootstrap, at);
  const { configs } = renderConfigDump(d, { includeEds: false });
  const types = configs.map((c) => String(c['@type']).split('.').at(-1));
  assert.deepEqual(types, [
    'BootstrapConfigDump',
    'ClustersConfigDump',
    'ListenersConfigDump',
    'ScopedRoutesConfigDump',
    'RoutesConfigDump',
    'SecretsConfigDump',
  ]);
  assert.equal(configs[0]!['bootstrap'], bootstrap);
  assert.deepEqual(configs[1]!['static_clusters'], [
    {
      cluster: { '@type': RESOURCE_TYPE.cluster, ...bootstrap.static_resources.clusters[0] },
      last_updated: at,
    },
    {
      cluster: { '@type': RESOURCE_TYPE.cluster, ...bootstrap.static_resources.clusters[1] },
      last_updated: at,
    },
  ]);
  assert.deepEqual(configs[1]!['dynamic_active_clusters'], []);
  assert.deepEqual(configs[4]!['static_route_configs'], [
    { route_config: { '@type': RESOURCE_TYPE.route, name: 'inline' }, last_updated: at },
  ]);
  const eds = renderConfigDump(d, { includeEds: true }).configs[6]!;
  // Only the cluster with inline endpoints has a static endpoint config, named after its cluster.
  assert.deepEqual(eds['static_endpoint_configs'], [
    {
      endpoint_config: { '@type': RESOURCE_TYPE.endpoint, cluster_name: 'c1', endpoints: [] },
      last_updated: at,
    },
  ]);
});

test('dynamic resources: each its own version, the kind the last accepted response\'s, "@type" first', () => {
  const d: ConfigDumpSources = {
    ...bootstrapDumpSources({}, 't0'),
    // v4 resent the clusters unchanged: they keep v1 and v3, the kind reports v4 (as Envoy).
    versions: { listeners: 'v2', clusters: 'v4', routes: '', endpoints: '' },
    dynamic: {
      listeners: [
        {
          name: 'l',
          version: 'v2',
          resource: { '@type': RESOURCE_TYPE.listener, ...hcmListener('l', 'from-lds') },
          lastUpdated: '2026-12-04T00:00:02.000Z',
        },
      ],
      clusters: [
        { name: 'a', version: 'v1', resource: { name: 'a' }, lastUpdated: '2026-12-04T00:00:01.000Z' },
        { name: 'b', version: 'v3', resource: { name: 'b' }, lastUpdated: '2026-12-04T00:00:03.000Z' },
      ],
      routes: [],
      endpoints: [],
    },
  };
  const { configs } = renderConfigDump(d, { includeEds: false });
  assert.equal(configs[1]!['version_info'], 'v4');
  assert.equal(configs[2]!['version_info'], 'v2');
  const active = configs[1]!['dynamic_active_clusters'] as Record<string, unknown>[];
  assert.deepEqual(Object.keys(active[0]!['cluster'] as object), ['@type', 'name']);
  assert.equal(active[0]!['version_info'], 'v1');
  const dl = (configs[2]!['dynamic_listeners'] as Record<string, Record<string, unknown>>[])[0]!;
  assert.equal(dl['name'], 'l');
  assert.equal(dl['active_state']!['version_info'], 'v2');
  // A listener delivered by LDS with an inline route_config lists it too, at the listener's time.
  assert.deepEqual(configs[4]!['static_route_configs'], [
    {
      route_config: { '@type': RESOURCE_TYPE.route, name: 'from-lds' },
      last_updated: '2026-12-04T00:00:02.000Z',
    },
  ]);
});

test('no sources (a snapshot built in code): every kind present and empty', () => {
  const { configs } = renderConfigDump(undefined, { includeEds: true });
  assert.equal(configs.length, 7);
  assert.deepEqual(configs[1]!['static_clusters'], []);
  assert.deepEqual(configs[6]!['dynamic_endpoint_configs'], []);
});

test('a rejected update shows as error_state: beside the resource in use, or alone for a new listener', () => {
  const d: ConfigDumpSources = {
    ...bootstrapDumpSources({}, 't0'),
    dynamic: {
      listeners: [
        { name: 'l', version: 'v1', resource: { name: 'l' }, lastUpdated: '2026-12-04T00:00:01.000Z' },
      ],
      clusters: [],
      routes: [],
      endpoints: [],
    },
  };
  const failure = (name: string) => ({
    name,
    version: 'v2',
    resource: { name, bad: true },
    at: '2026-12-04T00:00:02.000Z',
    details: `${name} is bad`,
  });
  const { configs } = renderConfigDump(
    d,
    { includeEds: false },
    { listeners: [failure('l'), failure('new')], clusters: [failure('c')], routes: [], endpoints: [] },
  );
  const state = (f: string) => ({
    failed_configuration: { '@type': RESOURCE_TYPE.listener, name: f, bad: true },
    last_update_attempt: '2026-12-04T00:00:02.000Z',
    details: `${f} is bad`,
    version_info: 'v2',
  });
  assert.deepEqual(configs[2]!['dynamic_listeners'], [
    {
      name: 'l',
      active_state: {
        version_info: 'v1',
        listener: { '@type': RESOURCE_TYPE.listener, name: 'l' },
        last_updated: '2026-12-04T00:00:01.000Z',
      },
      error_state: state('l'),
    },
    { name: 'new', error_state: state('new') },
  ]);
  // A cluster never accepted has no entry: DynamicCluster without its cluster breaks istioctl.
  assert.deepEqual(configs[1]!['dynamic_active_clusters'], []);
});

test('?resource= lists the elements of one field, each typed; ?mask= keeps the named fields', () => {
  const d = bootstrapDumpSources(
    {
      static_resources: {
        clusters: [
          { name: 'a', type: 'STATIC', connect_timeout: '1s' },
          { name: 'b', type: 'EDS', connect_timeout: '2s' },
        ],
      },
    },
    't0',
  );
  const dump = renderConfigDump(d, { includeEds: false });
  const r = queryConfigDump(dump, 'static_clusters', null);
  assert.ok('configs' in r);
  assert.deepEqual(r.configs, [
    {
      '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump.StaticCluster',
      cluster: { '@type': RESOURCE_TYPE.cluster, name: 'a', type: 'STATIC', connect_timeout: '1s' },
      last_updated: 't0',
    },
    {
      '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump.StaticCluster',
      cluster: { '@type': RESOURCE_TYPE.cluster, name: 'b', type: 'EDS', connect_timeout: '2s' },
      last_updated: 't0',
    },
  ]);
  const m = queryConfigDump(dump, 'static_clusters', 'cluster.name, cluster.type');
  assert.ok('configs' in m);
  assert.deepEqual(
    m.configs.map((c) => c['cluster']),
    [
      { name: 'a', type: 'STATIC' },
      { name: 'b', type: 'EDS' },
    ],
  );
  assert.equal(m.configs[0]!['@type'], 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump.StaticCluster');
  // A mask without resource applies to every config; a path through a list applies to each element.
  const whole = queryConfigDump(dump, null, 'static_clusters.cluster.name');
  assert.ok('configs' in whole);
  assert.deepEqual(whole.configs[1], {
    '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
    static_clusters: [{ cluster: { name: 'a' } }, { cluster: { name: 'b' } }],
  });
  assert.deepEqual(whole.configs[0], { '@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump' });
  const bad = queryConfigDump(dump, 'clusters', null);
  assert.ok('error' in bad);
  assert.match(bad.error, /unknown resource 'clusters'; one of: static_clusters, dynamic_active_clusters/);
  // A resource the dump does not hold (no warming clusters): an empty list.
  assert.deepEqual(queryConfigDump(dump, 'dynamic_warming_clusters', null), { configs: [] });
});

test("camelCase bootstraps, an HCM known by its @type, and CDS clusters' inline endpoints", () => {
  const d = bootstrapDumpSources(
    {
      staticResources: {
        listeners: [
          {
            name: 'l',
            filterChains: [
              {
                filters: [
                  {
                    name: 'hcm',
                    typedConfig: {
                      '@type': `${'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3'}.HttpConnectionManager`,
                      routeConfig: { name: 'r' },
                    },
                  },
                ],
              },
            ],
          },
        ],
        clusters: [{ name: 'c', loadAssignment: { endpoints: [] } }],
      },
    },
    't0',
  );
  d.dynamic.clusters.push({
    name: 'dns',
    version: 'v1',
    resource: { name: 'dns', type: 'STRICT_DNS', load_assignment: { endpoints: [{ lb_endpoints: [] }] } },
    lastUpdated: 't1',
  });
  const { configs } = renderConfigDump(d, { includeEds: true });
  assert.equal((configs[2]!['static_listeners'] as unknown[]).length, 1);
  assert.deepEqual(
    (configs[4]!['static_route_configs'] as Record<string, Record<string, unknown>>[]).map(
      (x) => x['route_config']!['name'],
    ),
    ['r'],
  );
  const eds = configs[6]!;
  assert.equal((eds['static_endpoint_configs'] as unknown[]).length, 1);
  assert.deepEqual(eds['dynamic_endpoint_configs'], [
    {
      version_info: 'v1',
      endpoint_config: {
        '@type': RESOURCE_TYPE.endpoint,
        cluster_name: 'dns',
        endpoints: [{ lb_endpoints: [] }],
      },
      last_updated: 't1',
    },
  ]);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterConfig } from '../config/index.ts';
import { StatsStore } from '../observe/index.ts';
import { ClusterManager } from '../upstream/index.ts';
import { type AdminProvider, startAdminServer } from './index.ts';

const NAME = 'outbound|9080||reviews.default.svc.cluster.local';

function cluster(): ClusterConfig {
  return {
    name: NAME,
    discovery: 'STATIC',
    edsServiceName: NAME,
    loadAssignment: {
      clusterName: NAME,
      localities: [
        {
          locality: { region: 'r1', zone: 'z1', subZone: '' },
          priority: 0,
          endpoints: [
            { address: { host: '10.0.0.1', port: 9080 }, healthStatus: 'HEALTHY', weight: 1, metadata: {} },
          ],
        },
      ],
    },
    connectTimeoutMs: 1000,
    lbPolicy: 'ROUND_ROBIN',
    ringHash: { minimumRingSize: 1024, maximumRingSize: 8388608 },
    maglev: { tableSize: 65537 },
    leastRequest: { choiceCount: 2 },
    circuitBreakers: { maxConnections: 1, maxPendingRequests: 1, maxRequests: 1024, maxRetries: 3 },
    healthyPanicThreshold: 50,
    upstreamProtocol: 'http1',
    idleTimeoutMs: 3_600_000,
    maxRequestsPerConnection: 0,
    perConnectionBufferLimitBytes: 1 << 20,
    metadata: {},
  };
}

test('admin endpoints over real HTTP', async (t) => {
  const stats = new StatsStore();
  const clusters = new ClusterManager(stats);
  clusters.update({ clusters: [cluster()], endpoints: new Map() });
  stats.scope(`cluster.${NAME}.`).counter('upstream_rq_200').inc(4);
  let ready = false;
  let shutdowns = 0;
  const provider: AdminProvider = {
    configDump: () => ({ configs: [{ '@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump' }] }),
    stats,
    clusters,
    listeners: () => [{ name: '0.0.0.0_9080', address: '0.0.0.0:9080' }],
    ready: () => ready,
    serverInfo: () => ({
      version: 'weft/0.1.0',
      state: ready ? 'LIVE' : 'INITIALIZING',
      uptimeSeconds: 3,
      nodeId: 'sidecar~1',
      cluster: 'reviews',
    }),
    shutdown: () => {
      shutdowns++;
    },
  };
  const admin = await startAdminServer(provider, { host: '127.0.0.1', port: 0 });
  t.after(() => admin.close());
  const base = `http://127.0.0.1:${admin.address.port}`;
  const get = async (
    path: string,
    init?: RequestInit,
  ): Promise<{ status: number; body: string; type: string }> => {
    const r = await fetch(base + path, init);
    return { status: r.status, body: await r.text(), type: r.headers.get('content-type') ?? '' };
  };

  let r = await get('/ready');
  assert.deepEqual([r.status, r.body], [503, 'INITIALIZING\n']);
  assert.equal((await get('/healthz/ready')).status, 503);
  ready = true;
  r = await get('/ready');
  assert.deepEqual([r.status, r.body], [200, 'LIVE\n']);
  assert.equal((await get('/healthz/ready')).status, 200);

  r = await get('/stats?filter=upstream_rq_200');
  assert.equal(r.body, `cluster.${NAME}.upstream_rq_200: 4\n`);
  r = await get('/stats?usedonly&filter=_rq_&format=json');
  assert.deepEqual(JSON.parse(r.body).stats, [{ name: `cluster.${NAME}.upstream_rq_200`, value: 4 }]);
  assert.equal((await get('/stats?filter=(')).status, 400);
  r = await get('/stats/prometheus');
  assert.ok(
    r.body.includes(`envoy_cluster_upstream_rq{envoy_response_code="200",envoy_cluster_name="${NAME}"} 4\n`),
  );
  assert.ok(r.body.includes(`envoy_cluster_upstream_cx_active{envoy_cluster_name="${NAME}"} 0\n`));

  r = await get('/clusters');
  const lines = r.body.split('\n');
  for (const l of [
    `${NAME}::default_priority::max_connections::1`,
    `${NAME}::default_priority::max_pending_requests::1`,
    `${NAME}::10.0.0.1:9080::cx_active::0`,
    `${NAME}::10.0.0.1:9080::rq_total::0`,
    `${NAME}::10.0.0.1:9080::health_flags::healthy`,
    `${NAME}::10.0.0.1:9080::weight::1`,
    `${NAME}::10.0.0.1:9080::region::r1`,
  ]) {
    assert.ok(lines.includes(l), `missing ${l}`);
  }
  r = await get('/clusters?format=json');
  const cj = JSON.parse(r.body);
  assert.equal(cj.cluster_statuses[0].name, NAME);
  assert.deepEqual(cj.cluster_statuses[0].host_statuses[0].address, {
    socket_address: { address: '10.0.0.1', port_value: 9080 },
  });

  assert.equal((await get('/listeners')).body, '0.0.0.0_9080::0.0.0.0:9080\n');
  assert.deepEqual(JSON.parse((await get('/listeners?format=json')).body).listener_statuses[0], {
    name: '0.0.0.0_9080',
    local_address: { socket_address: { address: '0.0.0.0', port_value: 9080 } },
  });
  r = await get('/config_dump');
  assert.equal(r.type, 'application/json');
  assert.ok(JSON.parse(r.body).configs);
  assert.equal(JSON.parse((await get('/server_info')).body).state, 'LIVE');
  assert.match((await get('/')).body, /\/stats\/prometheus/);

  r = await get('/nope');
  assert.equal(r.status, 404);
  assert.match(r.body, /^invalid path: \/nope\nadmin commands are:/);

  assert.equal((await get('/quitquitquit')).status, 405);
  assert.equal(shutdowns, 0);
  r = await get('/quitquitquit', { method: 'POST' });
  assert.deepEqual([r.status, r.body], [200, 'OK\n']);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(shutdowns, 1);
});

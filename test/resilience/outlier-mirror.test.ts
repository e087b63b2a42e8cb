// Outlier detection and mirroring end to end on the real proxy.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { test } from 'node:test';
import type { OutlierDetectionConfig } from '../../src/proxy/config/index.ts';
import { cluster, httpOrigin, rawServer, route, routeAction } from '../proxy/harness.ts';
import { counter, gauge, get, origin, sleep, start } from './helpers.ts';

const od = (extra: Partial<OutlierDetectionConfig> = {}): OutlierDetectionConfig => ({
  consecutive5xx: 3,
  consecutiveGatewayFailure: 5,
  consecutiveLocalOriginFailure: 5,
  intervalMs: 50,
  baseEjectionTimeMs: 300,
  maxEjectionTimeMs: 300000,
  maxEjectionPercent: 50,
  alwaysEjectOneHost: false,
  enforcingConsecutive5xx: 100,
  enforcingConsecutiveGatewayFailure: 0,
  splitExternalLocalOriginErrors: false,
  enforcingSuccessRate: 100,
  successRateMinimumHosts: 5,
  successRateRequestVolume: 100,
  successRateStdevFactor: 1900,
  ...extra,
});

function adminClusters(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path: '/clusters', agent: false }, (res) => {
      let t = '';
      res.on('data', (d) => (t += d));
      res.on('end', () => resolve(t));
    })
      .on('error', reject)
      .end();
  });
}

test('outlier detection ejects a 5xx host and brings it back after the ejection time', async (t) => {
  let bad = true;
  const a = await origin(t, () => (bad ? 500 : 200), 'a');
  const b = await origin(t, () => 200, 'b');
  const { proxy, port } = await start(
    t,
    [route('/', routeAction('c'))],
    [cluster('c', [a.port, b.port], { outlierDetection: od() })],
  );
  for (let i = 0; i < 6; i++) await get(port, '/');
  assert.equal(a.heads.length, 3);
  assert.equal(gauge(proxy, 'cluster.c.outlier_detection.ejections_active'), 1);
  assert.equal(counter(proxy, 'cluster.c.outlier_detection.ejections_enforced_total'), 1);
  assert.equal(counter(proxy, 'cluster.c.outlier_detection.ejections_consecutive_5xx'), 1);
  const text = await adminClusters(proxy.adminAddress()!.port);
  assert.match(text, new RegExp(`c::127.0.0.1:${a.port}::health_flags::/failed_outlier_check`));
  // While ejected, every request goes to b.
  for (let i = 0; i < 6; i++) assert.equal((await get(port, '/')).body, 'b');
  assert.equal(a.heads.length, 3);
  bad = false;
  await sleep(450);
  assert.equal(gauge(proxy, 'cluster.c.outlier_detection.ejections_active'), 0);
  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) seen.add((await get(port, '/')).body);
  assert.deepEqual([...seen].sort(), ['a', 'b']);
});

test('connect failures count as gateway errors', async (t) => {
  const b = await origin(t, () => 200, 'b');
  const dead = await rawServer(() => {});
  await dead.close();
  const { proxy, port } = await start(
    t,
    [route('/', routeAction('c'))],
    [
      cluster('c', [dead.port, b.port], {
        outlierDetection: od({
          consecutive5xx: 100,
          consecutiveGatewayFailure: 2,
          enforcingConsecutiveGatewayFailure: 100,
        }),
      }),
    ],
  );
  for (let i = 0; i < 6; i++) await get(port, '/');
  assert.equal(
    counter(proxy, 'cluster.c.outlier_detection.ejections_enforced_consecutive_gateway_failure'),
    1,
  );
  for (let i = 0; i < 4; i++) assert.equal((await get(port, '/')).status, 200);
});

test('mirror: the shadow gets Host a-shadow:9080; a slow mirror does not slow the main request', async (t) => {
  const main = await origin(t, () => 200, 'main');
  const shadowHeads: string[] = [];
  const slowMirror = await httpOrigin((head) => {
    shadowHeads.push(head);
    return '';
  });
  t.after(() => slowMirror.close());
  const { port } = await start(
    t,
    [route('/', routeAction('main', { mirrors: [{ cluster: 'mirror', fraction: 1 }] }))],
    [cluster('main', [main.port]), cluster('mirror', [slowMirror.port])],
  );
  const r = await get(port, '/get');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'main');
  assert.ok(r.ms < 500, `main request took ${r.ms} ms`);
  for (let i = 0; i < 50 && shadowHeads.length === 0; i++) await sleep(10);
  assert.equal(shadowHeads.length, 1);
  assert.match(shadowHeads[0]!, /\r\nhost: a-shadow:9080(\r\n|$)/i);
  assert.match(main.heads[0]!, /\r\nhost: a:9080(\r\n|$)/i);
});

test('mirror fraction 0 sends nothing', async (t) => {
  const main = await origin(t, () => 200);
  const mirror = await origin(t, () => 200);
  const { port } = await start(
    t,
    [route('/', routeAction('main', { mirrors: [{ cluster: 'mirror', fraction: 0 }] }))],
    [cluster('main', [main.port]), cluster('mirror', [mirror.port])],
  );
  for (let i = 0; i < 5; i++) await get(port, '/');
  await sleep(30);
  assert.equal(mirror.heads.length, 0);
});

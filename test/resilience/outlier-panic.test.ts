// The healthy panic threshold with outlier detection, on the real proxy: a cluster's only host
// ejected (maxEjectionPercent 100, as in Istio's circuit-breaking task). With the threshold Istio
// sets (minHealthPercent, default 0) the proxy has no host to use and answers 503 "no healthy
// upstream" with response flag UH, as Envoy does; with Envoy's own default of 50 % the level is in
// panic and the ejected host keeps serving, counted in lb_healthy_panic.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { OutlierDetectionConfig } from '../../src/proxy/config/index.ts';
import { startProxy } from '../../src/proxy/index.ts';
import {
  chain,
  cluster,
  hcm,
  listener,
  route,
  routeAction,
  routeConfig,
  snapshot,
} from '../proxy/harness.ts';
import { counter, gauge, get, origin, sleep } from './helpers.ts';

const od: OutlierDetectionConfig = {
  consecutive5xx: 3,
  consecutiveGatewayFailure: 5,
  consecutiveLocalOriginFailure: 5,
  intervalMs: 50,
  baseEjectionTimeMs: 60_000,
  maxEjectionTimeMs: 300_000,
  maxEjectionPercent: 100,
  alwaysEjectOneHost: false,
  enforcingConsecutive5xx: 100,
  enforcingConsecutiveGatewayFailure: 0,
  splitExternalLocalOriginErrors: false,
  enforcingSuccessRate: 100,
  successRateMinimumHosts: 5,
  successRateRequestVolume: 100,
  successRateStdevFactor: 1900,
};

/** A proxy whose one route goes to cluster 'c' on `port`, logging '<code> <flags>' per request. */
async function startLogged(
  t: { after(fn: () => unknown): void },
  port: number,
  healthyPanicThreshold: number,
) {
  const dir = mkdtempSync(join(tmpdir(), 'weft-panic-'));
  const log = join(dir, 'access.log');
  const h = hcm(routeConfig([route('/', routeAction('c'))]), {
    accessLog: [{ path: log, textFormat: '%RESPONSE_CODE% %RESPONSE_FLAGS%\n' }],
  });
  const proxy = await startProxy({
    snapshot: snapshot(
      [listener('http', [chain(h)])],
      [cluster('c', [port], { outlierDetection: od, healthyPanicThreshold })],
      true,
    ),
  });
  t.after(async () => {
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const lines = async (n: number): Promise<string[]> => {
    let text = '';
    for (let i = 0; i < 100; i++) {
      try {
        text = readFileSync(log, 'utf8');
      } catch {}
      if (text.split('\n').length > n) break;
      await sleep(10);
    }
    return text.trimEnd().split('\n');
  };
  return { proxy, port: proxy.addresses().get('http')!.port, lines };
}

test('the only host ejected, healthy_panic_threshold 0: 503 no healthy upstream, flag UH', async (t) => {
  const a = await origin(t, () => 500, 'a');
  const { proxy, port, lines } = await startLogged(t, a.port, 0);
  for (let i = 0; i < 3; i++) assert.equal((await get(port, '/')).status, 500);
  assert.equal(gauge(proxy, 'cluster.c.outlier_detection.ejections_active'), 1, '1 of 1 host: 100 % ≤ 100 %');
  const r = await get(port, '/');
  assert.equal(r.status, 503);
  assert.equal(r.body, 'no healthy upstream');
  assert.equal(a.heads.length, 3, 'the ejected host saw no fourth request');
  assert.equal(counter(proxy, 'cluster.c.upstream_cx_none_healthy'), 1);
  assert.equal(counter(proxy, 'cluster.c.lb_healthy_panic'), 0);
  assert.deepEqual(await lines(4), ['500 -', '500 -', '500 -', '503 UH']);
});

test("the only host ejected, Envoy's default threshold 50: panic, the host keeps serving", async (t) => {
  let bad = true;
  const a = await origin(t, () => (bad ? 500 : 200), 'a');
  const { proxy, port, lines } = await startLogged(t, a.port, 50);
  for (let i = 0; i < 3; i++) assert.equal((await get(port, '/')).status, 500);
  assert.equal(gauge(proxy, 'cluster.c.outlier_detection.ejections_active'), 1);
  bad = false;
  for (let i = 0; i < 3; i++) {
    const r = await get(port, '/');
    assert.deepEqual([r.status, r.body], [200, 'a']);
  }
  assert.equal(a.heads.length, 6);
  assert.equal(gauge(proxy, 'cluster.c.outlier_detection.ejections_active'), 1, 'still ejected');
  assert.equal(counter(proxy, 'cluster.c.lb_healthy_panic'), 3);
  assert.equal(counter(proxy, 'cluster.c.upstream_cx_none_healthy'), 0);
  assert.deepEqual(await lines(6), ['500 -', '500 -', '500 -', '200 -', '200 -', '200 -']);
});

// CONNECT on the explicit-mode HTTP proxy listener only: clients that tunnel http:// requests
// through HTTP_PROXY reach mesh services; no other listener accepts CONNECT.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { HttpConnectionManagerConfig } from '../../proxy/config/index.ts';
import { BOOKINFO, loadSamples, SAMPLES, sidecar, simulate } from './fixtures.ts';

const skip = existsSync(SAMPLES) ? false : 'Istio samples (../shared/istio) not present';

test('only the HTTP proxy listener enables CONNECT (upgrade_configs), and it decodes', { skip }, () => {
  const inbound = { targetPort: 9080, listenAddress: '127.0.0.1', listenPort: 15006 };
  const proxy = sidecar(
    { app: 'productpage', version: 'v1' },
    { inboundBindings: [{ ...inbound, appAddress: '127.0.0.1', appPort: 19080 }] },
  );
  const sim = simulate(loadSamples([BOOKINFO]), proxy);
  const upgrades = new Map<string, string[]>();
  for (const [name, l] of sim.listeners) {
    for (const fc of l.filterChains) {
      if (fc.filter.kind === 'http_connection_manager')
        upgrades.set(name, (fc.filter as HttpConnectionManagerConfig).upgrades);
    }
  }
  assert.deepEqual(upgrades.get('127.0.0.1_15080'), ['websocket', 'connect']);
  for (const [name, list] of upgrades) {
    if (name !== '127.0.0.1_15080') assert.ok(!list.includes('connect'), name);
  }
  assert.ok(upgrades.size > 1, 'inbound HTTP listeners are there too');
});

// ORIGINAL_DST host selection and lifetime, without sockets: which destination a connection or
// request gets, one host per destination, reaping after an unused cleanup interval, refusals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OriginalDstConfig } from '../config/index.ts';
import { StatsStore } from '../observe/index.ts';
import { clusterConfig } from './fixtures.test.ts';
import { ClusterManager, type UpstreamCluster } from './index.ts';
import { type OriginalDstCluster, parseHostPort } from './original-dst.ts';

const PROXY = '127.0.0.1:15080';

function build(
  od: Partial<OriginalDstConfig> = {},
  ownListener?: (ip: string, port: number) => boolean,
): { cm: ClusterManager; c: UpstreamCluster } {
  const cm = new ClusterManager(new StatsStore(), ownListener ? { ownListener } : {});
  const errors = cm.update({
    clusters: [
      clusterConfig('pt', {
        discovery: 'ORIGINAL_DST',
        originalDst: {
          cleanupIntervalMs: 60_000,
          useHttpHeader: false,
          httpHeaderName: 'x-envoy-original-dst-host',
          ...od,
        },
      }),
    ],
    endpoints: new Map(),
  });
  assert.deepEqual(errors, []);
  return { cm, c: cm.get('pt')! };
}

const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n] });

test('explicit proxy: the authority is the destination; one host per destination', (t) => {
  const { cm, c } = build();
  t.after(() => cm.close());
  const a = c.chooseHost({ downstreamLocalAddress: PROXY, authority: '10.1.2.3:8080' });
  assert.equal(a?.addressText, '10.1.2.3:8080');
  assert.equal(c.chooseHost({ downstreamLocalAddress: PROXY, authority: '10.1.2.3:8080' }), a);
  assert.equal(
    c.chooseHost({ downstreamLocalAddress: PROXY, authority: 'Example.COM' })?.addressText,
    'example.com:80',
  );
  assert.equal(c.chooseHost({ downstreamLocalAddress: PROXY, authority: '[::1]:9' })?.addressText, '[::1]:9');
  assert.equal(c.hosts.length, 3);
  // Nothing to go on, or an authority that is no host: no host (503 no healthy upstream).
  assert.equal(c.chooseHost(), undefined);
  assert.equal(c.chooseHost({ downstreamLocalAddress: PROXY, authority: 'a b:80' }), undefined);
  assert.equal(c.chooseHost({ downstreamLocalAddress: PROXY, authority: 'x:99999' }), undefined);
});

test('captured connection: the (restored) local address; use_http_header and upstream_port_override', (t) => {
  const { cm, c } = build({ useHttpHeader: true, httpHeaderName: 'x-dst' });
  t.after(() => cm.close());
  const restored = { downstreamLocalAddress: '10.0.0.7:9080', localAddressRestored: true, authority: 'x:1' };
  assert.equal(c.chooseHost(restored)?.addressText, '10.0.0.7:9080');
  assert.equal(
    c.chooseHost({ ...restored, headers: headers({ 'x-dst': '10.0.0.8:81' }) })?.addressText,
    '10.0.0.8:81',
  );
  // Envoy takes an IP address and port only from the header; anything else falls through.
  assert.equal(
    c.chooseHost({ ...restored, headers: headers({ 'x-dst': 'evil.com:81' }) })?.addressText,
    '10.0.0.7:9080',
  );

  const o = build({ upstreamPortOverride: 8443 });
  t.after(() => o.cm.close());
  assert.equal(
    o.c.chooseHost({ downstreamLocalAddress: PROXY, authority: '10.1.2.3' })?.addressText,
    '10.1.2.3:8443',
  );
});

test("the proxy's own listener is refused with the reason, not connected to", (t) => {
  const { cm, c } = build({}, (ip, port) => ip === '127.0.0.1' && port === 15001);
  t.after(() => cm.close());
  // The listener the request came in on (explicit proxy), or any the proxy reports as its own.
  for (const authority of [PROXY, '127.0.0.1:15001', '[::ffff:127.0.0.1]:15080']) {
    const h = c.chooseHost({ downstreamLocalAddress: PROXY, authority });
    assert.ok(h, authority);
    let failure: { message: string } | undefined;
    h.pool.acquire((f) => {
      failure = f;
    });
    assert.match(failure!.message, /is this proxy's own listener/, authority);
  }
  assert.equal(c.hosts.length, 0, 'refusals make no hosts');
  // A captured connection whose original destination is the proxy itself is refused too.
  const tcp = c.chooseHost({ downstreamLocalAddress: '127.0.0.1:15001', localAddressRestored: true });
  let refused: string | undefined;
  c.connect(tcp!, (f) => {
    refused = f?.message;
  });
  assert.match(refused!, /own listener/);
});

test('hosts unused for a whole cleanup interval are removed', (t) => {
  const { cm, c } = build();
  t.after(() => cm.close());
  const od = c as OriginalDstCluster;
  const ctx = (authority: string) => ({ downstreamLocalAddress: PROXY, authority });
  c.chooseHost(ctx('10.0.0.1:80'));
  c.chooseHost(ctx('10.0.0.2:80'));
  od.sweep();
  assert.equal(c.hosts.length, 2, 'both used since the last sweep');
  c.chooseHost(ctx('10.0.0.2:80'));
  od.sweep();
  assert.deepEqual(
    c.hosts.map((h) => h.addressText),
    ['10.0.0.2:80'],
  );
  od.sweep();
  assert.equal(c.hosts.length, 0);
});

test('parseHostPort', () => {
  assert.deepEqual(parseHostPort('::1:8080', 0), { host: '::1', port: 8080, text: '[::1]:8080' });
  assert.deepEqual(parseHostPort('::ffff:10.0.0.1:80', 0), {
    host: '10.0.0.1',
    port: 80,
    text: '10.0.0.1:80',
  });
  assert.equal(parseHostPort('[::1', 80), undefined);
  assert.equal(parseHostPort('host:0', 80), undefined);
});

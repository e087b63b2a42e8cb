import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigDump } from '../pilot/index.ts';
import { clusterRows, madeBy, routeRows } from './proxy-config.ts';

const VS = (ns: string, name: string) => ({
  filter_metadata: {
    istio: { config: `/apis/networking.istio.io/v1/namespaces/${ns}/virtual-service/${name}` },
  },
});

function dump(config: Record<string, unknown>): ConfigDump {
  return {
    connectionId: '1',
    nodeId: 'router~127.0.0.1~istio-ingressgateway.istio-system~istio-system.svc.cluster.local',
    meshVersion: 1,
    configVersion: 1,
    config: { listeners: [], clusters: [], endpoints: [], routes: [], ...config },
  } as unknown as ConfigDump;
}

test("the rule columns are the routes' and clusters' istio.config metadata, as istioctl reads them", () => {
  const rows = routeRows(
    dump({
      routes: [
        {
          name: 'http.8080',
          virtual_hosts: [
            {
              name: '*:8080',
              domains: ['*'],
              routes: [
                { match: { prefix: '/productpage' }, metadata: VS('default', 'bookinfo') },
                // Another gateway's rule for the same hosts does not matter: the route says whose it is.
                { match: { prefix: '/static' }, metadata: VS('shop', 'frontend') },
                { match: { prefix: '/' }, direct_response: { status: 404 } },
                { match: { prefix: '/x' }, route: { cluster: 'c' } },
              ],
            },
          ],
        },
      ],
    }),
  );
  assert.deepEqual(
    rows.map((r) => [r[3], r[4]]),
    [
      ['/productpage*', 'bookinfo.default'],
      ['/static*', 'frontend.shop'],
      ['/*', '404'],
      ['/x*', '-'],
    ],
  );
  const clusters = clusterRows(
    dump({
      clusters: [
        {
          name: 'outbound|9080|v1|reviews.default.svc.cluster.local',
          type: 'EDS',
          metadata: {
            filter_metadata: {
              istio: { config: '/apis/networking.istio.io/v1/namespaces/default/destination-rule/reviews' },
            },
          },
        },
        { name: 'outbound|9080||ratings.default.svc.cluster.local', type: 'EDS' },
      ],
    }),
  );
  assert.deepEqual(
    clusters.map((c) => c[5]),
    ['reviews.default', '-'],
  );
  // The kind must be the one asked for; other paths are no rule.
  assert.equal(madeBy({ metadata: VS('default', 'x') }, 'destination-rule'), undefined);
  assert.equal(
    madeBy({ metadata: { filter_metadata: { istio: { config: 'nonsense' } } } }, 'virtual-service'),
    undefined,
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LbPolicy } from '../config/index.ts';
import { StatsStore } from '../observe/index.ts';
import { assignment, clusterConfig, seeded } from './fixtures.test.ts';
import { ClusterManager, type UpstreamCluster, xxHash64 } from './index.ts';

function build(
  policy: LbPolicy,
  endpoints: { host: string; port: number; weight?: number; health?: 'HEALTHY' | 'UNHEALTHY' }[],
): { cm: ClusterManager; cluster: UpstreamCluster } {
  const cm = new ClusterManager(new StatsStore(), { random: seeded(42) });
  const errors = cm.update({
    clusters: [clusterConfig('c', { lbPolicy: policy, maglev: { tableSize: 65537 } })],
    endpoints: new Map([['c', assignment('c', endpoints)]]),
  });
  assert.deepEqual(errors, []);
  return { cm, cluster: cm.get('c')! };
}

const three = [
  { host: '10.0.0.1', port: 80 },
  { host: '10.0.0.2', port: 80 },
  { host: '10.0.0.3', port: 80 },
];

function counts(cluster: UpstreamCluster, n: number, hash?: (i: number) => bigint): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const h = cluster.chooseHost(hash ? { hash: hash(i) } : undefined)!;
    m.set(h.addressText, (m.get(h.addressText) ?? 0) + 1);
  }
  return m;
}

test('round robin with equal weights rotates exactly', () => {
  const { cluster } = build('ROUND_ROBIN', three);
  const first = [0, 1, 2].map(() => cluster.chooseHost()!.addressText);
  assert.equal(new Set(first).size, 3);
  for (let round = 0; round < 5; round++) {
    assert.deepEqual(
      [0, 1, 2].map(() => cluster.chooseHost()!.addressText),
      first,
    );
  }
});

test('weighted round robin honours ratios exactly and spreads picks (smooth)', () => {
  const { cluster } = build('ROUND_ROBIN', [
    { host: '10.0.0.1', port: 80, weight: 5 },
    { host: '10.0.0.2', port: 80, weight: 1 },
  ]);
  const picks = Array.from({ length: 60 }, () => cluster.chooseHost()!.addressText);
  assert.equal(picks.filter((p) => p === '10.0.0.1:80').length, 50);
  assert.equal(picks.filter((p) => p === '10.0.0.2:80').length, 10);
  // Smooth: the light host never gets two picks in a row.
  for (let i = 1; i < picks.length; i++)
    assert.ok(!(picks[i] === '10.0.0.2:80' && picks[i - 1] === picks[i]));
});

test('least request (P2C) avoids the loaded host', () => {
  const { cluster } = build('LEAST_REQUEST', three);
  const busy = cluster.hosts[0]!;
  busy.stats.rqActive = 10;
  const c = counts(cluster, 3000);
  // A busy host wins only when both samples land on it: about 1/9 of picks.
  assert.ok(
    (c.get(busy.addressText) ?? 0) < 3000 * 0.16,
    `busy host picked ${c.get(busy.addressText)} times`,
  );
  assert.ok((c.get('10.0.0.2:80') ?? 0) > 1000);
  busy.stats.rqActive = 0;
});

test('weighted least request follows weight / (active + 1)', () => {
  const { cluster } = build('LEAST_REQUEST', [
    { host: '10.0.0.1', port: 80, weight: 2 },
    { host: '10.0.0.2', port: 80, weight: 1 },
  ]);
  let c = counts(cluster, 300);
  assert.equal(c.get('10.0.0.1:80'), 200);
  cluster.hosts[0]!.stats.rqActive = 3; // effective weight 2/4 = 0.5 against 1
  c = counts(cluster, 300);
  assert.ok(c.get('10.0.0.2:80')! > c.get('10.0.0.1:80')!);
});

test('random spreads over all hosts', () => {
  const { cluster } = build('RANDOM', three);
  const c = counts(cluster, 3000);
  for (const h of three) assert.ok(c.get(`${h.host}:80`)! > 800);
});

for (const policy of ['RING_HASH', 'MAGLEV'] as const) {
  test(`${policy}: same hash same host, even spread, minimal movement when a host goes`, () => {
    const five = [1, 2, 3, 4, 5].map((i) => ({ host: `10.0.1.${i}`, port: 9080 }));
    const { cm, cluster } = build(policy, five);
    const keys = Array.from({ length: 2000 }, (_, i) => xxHash64(`user-${i}`));
    const before = keys.map((k) => cluster.chooseHost({ hash: k })!.addressText);
    assert.deepEqual(
      keys.map((k) => cluster.chooseHost({ hash: k })!.addressText),
      before,
    );
    const spread = new Map<string, number>();
    for (const b of before) spread.set(b, (spread.get(b) ?? 0) + 1);
    for (const h of five) assert.ok(spread.get(`${h.host}:9080`)! > 200, `${policy} spread ${[...spread]}`);
    // Remove one host: keys on it move; few others do. (Random reassignment would move ~75 %.
    // The ring keeps its minimum size, so survivors gain entries and take some keys from each
    // other, as in Envoy; Maglev's table is rebuilt with small churn.)
    cm.update({
      clusters: [clusterConfig('c', { lbPolicy: policy })],
      endpoints: new Map([['c', assignment('c', five.slice(0, 4))]]),
    });
    const after = keys.map((k) => cluster.chooseHost({ hash: k })!.addressText);
    let movedOthers = 0;
    for (let i = 0; i < keys.length; i++) {
      if (before[i] !== '10.0.1.5:9080' && after[i] !== before[i]) movedOthers++;
      assert.notEqual(after[i], '10.0.1.5:9080');
    }
    assert.ok(
      movedOthers <= keys.length * (policy === 'MAGLEV' ? 0.05 : 0.2),
      `${policy}: ${movedOthers} keys moved between surviving hosts`,
    );
    // No hash: still answers (random), as Envoy does.
    assert.ok(cluster.chooseHost());
  });
}

test('ring size honours the minimum and weights', () => {
  const { cluster } = build('RING_HASH', [
    { host: '10.0.0.1', port: 80, weight: 3 },
    { host: '10.0.0.2', port: 80, weight: 1 },
  ]);
  const c = counts(cluster, 4000, (i) => xxHash64(`k${i}`));
  const ratio = c.get('10.0.0.1:80')! / c.get('10.0.0.2:80')!;
  assert.ok(ratio > 2.2 && ratio < 4, `ratio ${ratio}`);
});

test('healthy-host filtering and the 50% panic threshold', () => {
  const stats = new StatsStore();
  const cm = new ClusterManager(stats, { random: seeded(1) });
  const eps = [
    { host: '10.0.0.1', port: 80 },
    { host: '10.0.0.2', port: 80 },
    { host: '10.0.0.3', port: 80, health: 'UNHEALTHY' as const },
  ];
  cm.update({ clusters: [clusterConfig('c')], endpoints: new Map([['c', assignment('c', eps)]]) });
  const c = cm.get('c')!;
  assert.ok(!counts(c, 30).has('10.0.0.3:80'));
  assert.equal(stats.gauge('cluster.c.membership_healthy').value, 2);
  assert.equal(stats.gauge('cluster.c.membership_total').value, 3);
  assert.equal(stats.counter('cluster.c.lb_healthy_panic').value, 0);
  // 1 of 3 healthy: below 50 %, so Envoy balances over all hosts and counts the panic.
  eps[1] = { host: '10.0.0.2', port: 80, health: 'UNHEALTHY' };
  cm.update({ clusters: [clusterConfig('c')], endpoints: new Map([['c', assignment('c', eps)]]) });
  assert.equal(counts(c, 30).size, 3);
  assert.equal(stats.counter('cluster.c.lb_healthy_panic').value, 30);
});

test('healthy_panic_threshold: 0 turns panic off; a level ≥ 1/1.4 usable never panics (Envoy)', () => {
  const stats = new StatsStore();
  const cm = new ClusterManager(stats, { random: seeded(1) });
  const health = (n: number, unhealthy: number) =>
    Array.from({ length: n }, (_, i) => ({
      host: `10.0.0.${i + 1}`,
      port: 80,
      health: i < unhealthy ? ('UNHEALTHY' as const) : ('HEALTHY' as const),
    }));
  const apply = (threshold: number, eps: ReturnType<typeof health>) =>
    cm.update({
      clusters: [clusterConfig('c', { healthyPanicThreshold: threshold })],
      endpoints: new Map([['c', assignment('c', eps)]]),
    });
  // 1 of 3 healthy: threshold 0 keeps to the healthy host, no panic counted.
  apply(0, health(3, 2));
  const c = cm.get('c')!;
  assert.deepEqual([...counts(c, 30).keys()], ['10.0.0.3:80']);
  assert.equal(stats.counter('cluster.c.lb_healthy_panic').value, 0);
  // None healthy: threshold 0 gives no host (the router's 503 UH), counted as none healthy.
  apply(0, health(2, 2));
  assert.equal(c.chooseHost(), undefined);
  assert.equal(stats.counter('cluster.c.upstream_cx_none_healthy').value, 1);
  assert.equal(stats.counter('cluster.c.lb_healthy_panic').value, 0);
  // The same with the default 50: panic, every host used.
  apply(50, health(2, 2));
  assert.equal(counts(c, 20).size, 2);
  assert.equal(stats.counter('cluster.c.lb_healthy_panic').value, 20);
  // 3 of 4 healthy is below a threshold of 80, but 75 % × 1.4 is a whole level: no panic.
  apply(80, health(4, 1));
  assert.ok(!counts(c, 30).has('10.0.0.1:80'));
  assert.equal(stats.counter('cluster.c.lb_healthy_panic').value, 20);
  // 2 of 4 (70 % available) below 80: panic.
  apply(80, health(4, 2));
  assert.equal(counts(c, 40).size, 4);
  assert.equal(stats.counter('cluster.c.lb_healthy_panic').value, 60);
});

test('exclude steers away from previous hosts; no hosts gives undefined', () => {
  const { cluster } = build('RING_HASH', three);
  const h = cluster.chooseHost({ hash: 123n })!;
  const other = cluster.chooseHost({ hash: 123n, exclude: new Set([h]) })!;
  assert.notEqual(other, h);
  const empty = new ClusterManager(new StatsStore());
  empty.update({ clusters: [clusterConfig('e')], endpoints: new Map() });
  assert.equal(empty.get('e')!.chooseHost(), undefined);
});

test('update keeps hosts with unchanged addresses and reports unsupported clusters', () => {
  const stats = new StatsStore();
  const cm = new ClusterManager(stats);
  const cfg = clusterConfig('c');
  cm.update({ clusters: [cfg], endpoints: new Map([['c', assignment('c', three)]]) });
  const c = cm.get('c')!;
  const kept = c.hosts[1]!;
  const errors = cm.update({
    clusters: [
      cfg,
      clusterConfig('od', { discovery: 'ORIGINAL_DST' }),
      clusterConfig('dns', {
        discovery: 'STRICT_DNS',
        loadAssignment: assignment('dns', [{ host: 'reviews', port: 9080 }]),
      }),
      clusterConfig('mg', { lbPolicy: 'MAGLEV', maglev: { tableSize: 1000 } }),
    ],
    endpoints: new Map([['c', assignment('c', [three[1]!, { host: '10.0.0.9', port: 80 }])]]),
  });
  assert.equal(cm.get('c'), c);
  assert.equal(c.hosts[0], kept);
  assert.equal(c.hosts.length, 2);
  assert.deepEqual(
    errors.map((e) => e.cluster),
    ['dns', 'mg'],
  );
  assert.match(errors[0]!.message, /DNS resolution is not implemented/);
  assert.match(errors[1]!.message, /must be prime/);
  // ORIGINAL_DST is served: hosts come from each connection's or request's destination.
  assert.equal(cm.get('od')?.hosts.length, 0);
  cm.close();
});

test('an update that changes alt_stat_name builds the cluster anew, its stats under the new name', () => {
  const stats = new StatsStore();
  const cm = new ClusterManager(stats, { random: seeded(1) });
  const eps = new Map([['c', assignment('c', [{ host: '10.0.0.1', port: 80 }])]]);
  cm.update({ clusters: [clusterConfig('c')], endpoints: eps });
  const first = cm.get('c')!;
  cm.update({ clusters: [clusterConfig('c')], endpoints: eps });
  assert.equal(cm.get('c'), first, 'unchanged: the same cluster, its counts kept');
  cm.update({ clusters: [clusterConfig('c', { altStatName: 'c_alt' })], endpoints: eps });
  const renamed = cm.get('c')!;
  assert.notEqual(renamed, first);
  renamed.stats.upstreamRqTotal.inc();
  assert.equal(stats.counter('cluster.c_alt.upstream_rq_total').value, 1);
  assert.equal(stats.counter('cluster.c.upstream_rq_total').value, 0);
});

/** A cluster of 127.0.0.1:<port> hosts with `policy`, in the order given; its stats store too. */
function envoyVectors(
  policy: 'RING_HASH' | 'MAGLEV',
  ports: { port: number; weight?: number }[],
  shape: { tableSize?: number; minimumRingSize?: number; maximumRingSize?: number },
): { cluster: UpstreamCluster; stats: StatsStore; index: (port: number) => number } {
  const stats = new StatsStore();
  const cm = new ClusterManager(stats, { random: seeded(7) });
  const errors = cm.update({
    clusters: [
      clusterConfig('c', {
        lbPolicy: policy,
        maglev: { tableSize: shape.tableSize ?? 65537 },
        ringHash: {
          minimumRingSize: shape.minimumRingSize ?? 1024,
          maximumRingSize: shape.maximumRingSize ?? 8388608,
        },
      }),
    ],
    endpoints: new Map([
      [
        'c',
        assignment(
          'c',
          ports.map((p) => ({ host: '127.0.0.1', ...p })),
        ),
      ],
    ]),
  });
  assert.deepEqual(errors, []);
  const cluster = cm.get('c')!;
  return { cluster, stats, index: (port) => ports.findIndex((p) => p.port === port) };
}

const portOf = (cluster: UpstreamCluster, hash: bigint): number => cluster.chooseHost({ hash })!.address.port;

// The expected tables and rings below are the ones Envoy's own load balancer tests assert for the
// same hosts and sizes (maglev_lb_test.cc, ring_hash_lb_test.cc): a key goes where Envoy sends it.
test("MAGLEV builds Envoy's table: hosts by address, whatever their order", () => {
  for (const order of [
    [90, 91, 92, 93, 94, 95],
    [93, 95, 90, 94, 92, 91],
  ]) {
    const { cluster, stats } = envoyVectors(
      'MAGLEV',
      order.map((port) => ({ port })),
      { tableSize: 7 },
    );
    const table = Array.from({ length: 7 }, (_, i) => portOf(cluster, BigInt(i)));
    assert.deepEqual(table, [92, 94, 90, 91, 95, 90, 93]);
    assert.equal(stats.gauge('cluster.c.maglev_lb.min_entries_per_host').value, 1);
    assert.equal(stats.gauge('cluster.c.maglev_lb.max_entries_per_host').value, 2);
  }
});

test("MAGLEV with weights takes turns as Envoy's table does", () => {
  const { cluster, stats } = envoyVectors(
    'MAGLEV',
    [
      { port: 90, weight: 1 },
      { port: 91, weight: 2 },
    ],
    { tableSize: 17 },
  );
  const table = Array.from({ length: 17 }, (_, i) => portOf(cluster, BigInt(i)) - 90);
  assert.deepEqual(table, [1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1]);
  assert.equal(stats.gauge('cluster.c.maglev_lb.min_entries_per_host').value, 6);
  assert.equal(stats.gauge('cluster.c.maglev_lb.max_entries_per_host').value, 11);
  // One host: Envoy's degenerate table, every key to it, one entry in the stats.
  const single = envoyVectors('MAGLEV', [{ port: 90, weight: 7 }], { tableSize: 17 });
  for (let i = 0; i < 17; i++) assert.equal(portOf(single.cluster, BigInt(i)), 90);
  assert.equal(single.stats.gauge('cluster.c.maglev_lb.max_entries_per_host').value, 1);
});

test("RING_HASH builds Envoy's ring: the same points, sizes and wrap-around", () => {
  const { cluster, stats } = envoyVectors(
    'RING_HASH',
    [90, 91, 92, 93, 94, 95].map((port) => ({ port })),
    { minimumRingSize: 12 },
  );
  assert.equal(stats.gauge('cluster.c.ring_hash_lb.size').value, 12);
  assert.equal(stats.gauge('cluster.c.ring_hash_lb.min_hashes_per_host').value, 2);
  assert.equal(stats.gauge('cluster.c.ring_hash_lb.max_hashes_per_host').value, 2);
  assert.equal(portOf(cluster, 0n), 94);
  assert.equal(portOf(cluster, 2n ** 64n - 1n), 94);
  assert.equal(portOf(cluster, 3551244743356806947n), 95);
  assert.equal(portOf(cluster, 3551244743356806948n), 93);
  assert.equal(portOf(cluster, 16117243373044804880n), 90);
});

test('RING_HASH places fractional shares where the running sum falls, as Envoy (1.5 each: 2, 1, 2, 1)', () => {
  const { cluster, stats } = envoyVectors(
    'RING_HASH',
    [90, 91, 92, 93].map((port) => ({ port })),
    // A minimum of 5 over 4 hosts rounds up to 8, capped at the maximum 6: 1.5 entries a host.
    { minimumRingSize: 5, maximumRingSize: 6 },
  );
  assert.equal(stats.gauge('cluster.c.ring_hash_lb.size').value, 6);
  assert.equal(stats.gauge('cluster.c.ring_hash_lb.min_hashes_per_host').value, 1);
  assert.equal(stats.gauge('cluster.c.ring_hash_lb.max_hashes_per_host').value, 2);
  // The second points are :90's and :92's: a key at a point's hash lands on that point's host.
  for (const key of ['90_0', '90_1', '91_0', '92_0', '92_1', '93_0'])
    assert.equal(portOf(cluster, xxHash64(`127.0.0.1:${key}`)), Number(key.slice(0, 2)), key);
});

test('without a request hash, ring and table hosts are picked by their share (weights), as Envoy', () => {
  for (const policy of ['RING_HASH', 'MAGLEV'] as const) {
    const { cluster } = envoyVectors(
      policy,
      [
        { port: 90, weight: 1 },
        { port: 91, weight: 3 },
      ],
      { tableSize: 65537 },
    );
    let heavy = 0;
    for (let i = 0; i < 4000; i++) if (cluster.chooseHost()!.address.port === 91) heavy++;
    assert.ok(heavy > 2700 && heavy < 3300, `${policy}: weight-3 host got ${heavy} of 4000`);
  }
});

test("host selection retries move off an excluded host as Envoy's Maglev and ring do", () => {
  const mg = envoyVectors(
    'MAGLEV',
    [90, 91, 92, 93, 94, 95].map((port) => ({ port })),
    { tableSize: 7 },
  );
  const host = (c: UpstreamCluster, port: number) => c.hosts.find((h) => h.address.port === port)!;
  // Key 10 is :91's; with :91 excluded the next pick is :90 (Envoy's maglev_lb_test vectors).
  assert.equal(portOf(mg.cluster, 10n), 91);
  const pick = (c: UpstreamCluster, hash: bigint, exclude: number[], attempts?: number) =>
    c.chooseHost({ hash, exclude: new Set(exclude.map((p) => host(c, p))), selectionAttempts: attempts })!
      .address.port;
  assert.equal(pick(mg.cluster, 10n, [90]), 91, 'not excluded: the first pick stands');
  assert.equal(pick(mg.cluster, 10n, [91]), 90);
  // Every host excluded and two more picks allowed: the last pick is used.
  assert.equal(pick(mg.cluster, 10n, [90, 91, 92, 93, 94, 95], 2), 95);

  const ring = envoyVectors(
    'RING_HASH',
    [90, 91, 92, 93, 94, 95].map((port) => ({ port })),
    {
      minimumRingSize: 12,
    },
  );
  // Hash 0 is the first point's (:94); excluded, the next point on the ring (:92), then (:90).
  assert.equal(pick(ring.cluster, 0n, [94]), 92);
  assert.equal(pick(ring.cluster, 0n, [94, 92], 2), 90);
});

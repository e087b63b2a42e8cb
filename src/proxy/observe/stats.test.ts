import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderPrometheus, renderStatsJson, renderStatsText, StatsStore } from './index.ts';

const CLUSTER = 'outbound|9080||reviews.default.svc.cluster.local';

test('the same name gives the same handle, through a scope or flat', () => {
  const store = new StatsStore();
  const a = store.scope(`cluster.${CLUSTER}.`).counter('upstream_rq_total');
  const b = store.counter(`cluster.${CLUSTER}.upstream_rq_total`);
  assert.equal(a, b);
  a.inc();
  b.inc(2);
  assert.equal(a.value, 3);
});

test('gauges inc, dec and set', () => {
  const g = new StatsStore().gauge('server.live');
  g.inc();
  g.inc(4);
  g.dec(2);
  assert.equal(g.value, 3);
  g.set(1);
  assert.equal(g.value, 1);
});

test('Envoy tag extraction: cluster name (with dots) and response code', () => {
  const store = new StatsStore();
  const scope = store.scope(`cluster.${CLUSTER}`);
  const c = scope.counter('upstream_rq_200');
  assert.equal(c.name, `cluster.${CLUSTER}.upstream_rq_200`);
  assert.equal(c.tagExtractedName, 'cluster.upstream_rq');
  assert.deepEqual(c.tags, [
    ['envoy.response_code', '200'],
    ['envoy.cluster_name', CLUSTER],
  ]);
  const cls = scope.counter('upstream_rq_5xx');
  assert.equal(cls.tagExtractedName, 'cluster.upstream_rq_xx');
  assert.deepEqual(cls.tags[0], ['envoy.response_code_class', '5']);
});

test('flat names follow Envoy regexes: listener address with dots, http prefix token', () => {
  const store = new StatsStore();
  const l = store.counter('listener.0.0.0.0_9080.downstream_cx_total');
  assert.equal(l.tagExtractedName, 'listener.downstream_cx_total');
  assert.deepEqual(l.tags, [['envoy.listener_address', '0.0.0.0_9080']]);
  const lh = store.counter('listener.0.0.0.0_9080.http.inbound_9080.downstream_rq_2xx');
  assert.equal(lh.tagExtractedName, 'listener.http.downstream_rq_xx');
  assert.deepEqual(lh.tags, [
    ['envoy.response_code_class', '2'],
    ['envoy.http_conn_manager_prefix', 'inbound_9080'],
    ['envoy.listener_address', '0.0.0.0_9080'],
  ]);
  const admin = store.counter('listener.admin.downstream_cx_total');
  assert.equal(admin.tagExtractedName, 'listener.admin.downstream_cx_total');
  assert.deepEqual(admin.tags, []);
  const plain = store.counter('server.total_connections');
  assert.equal(plain.tagExtractedName, 'server.total_connections');
});

test('Prometheus rendering: names, labels and types as Envoy emits them', () => {
  const store = new StatsStore();
  const cluster = store.scope(`cluster.${CLUSTER}.`);
  cluster.counter('upstream_rq_total').inc(3);
  cluster.counter('upstream_rq_200').inc(2);
  cluster.counter('upstream_rq_503').inc();
  store.scope('http.outbound_0.0.0.0_9080.').counter('downstream_rq_2xx').inc(2);
  store.counter('listener.0.0.0.0_9080.downstream_cx_total').inc(7);
  cluster.gauge('upstream_cx_active').set(1);
  const h = cluster.histogram('upstream_rq_time');
  h.record(3);
  h.record(40);
  const text = renderPrometheus(store);
  const expected = [
    '# TYPE envoy_cluster_upstream_rq counter',
    `envoy_cluster_upstream_rq{envoy_response_code="200",envoy_cluster_name="${CLUSTER}"} 2`,
    `envoy_cluster_upstream_rq{envoy_response_code="503",envoy_cluster_name="${CLUSTER}"} 1`,
    '# TYPE envoy_cluster_upstream_rq_total counter',
    `envoy_cluster_upstream_rq_total{envoy_cluster_name="${CLUSTER}"} 3`,
    '# TYPE envoy_http_downstream_rq_xx counter',
    'envoy_http_downstream_rq_xx{envoy_response_code_class="2",envoy_http_conn_manager_prefix="outbound_0.0.0.0_9080"} 2',
    '# TYPE envoy_listener_downstream_cx_total counter',
    'envoy_listener_downstream_cx_total{envoy_listener_address="0.0.0.0_9080"} 7',
    '# TYPE envoy_cluster_upstream_cx_active gauge',
    `envoy_cluster_upstream_cx_active{envoy_cluster_name="${CLUSTER}"} 1`,
    '# TYPE envoy_cluster_upstream_rq_time histogram',
    `envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="${CLUSTER}",le="0.5"} 0`,
    `envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="${CLUSTER}",le="1"} 0`,
    `envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="${CLUSTER}",le="5"} 1`,
    `envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="${CLUSTER}",le="10"} 1`,
    `envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="${CLUSTER}",le="25"} 1`,
    `envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="${CLUSTER}",le="50"} 2`,
  ];
  const lines = text.split('\n');
  for (const line of expected) assert.ok(lines.includes(line), `missing: ${line}\n${text}`);
  assert.ok(
    lines.includes(`envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="${CLUSTER}",le="3600000"} 2`),
  );
  assert.ok(
    lines.includes(`envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="${CLUSTER}",le="+Inf"} 2`),
  );
  assert.ok(lines.includes(`envoy_cluster_upstream_rq_time_sum{envoy_cluster_name="${CLUSTER}"} 43`));
  assert.ok(lines.includes(`envoy_cluster_upstream_rq_time_count{envoy_cluster_name="${CLUSTER}"} 2`));
  // Each family has exactly one TYPE line, before its samples.
  assert.equal(lines.filter((l) => l === '# TYPE envoy_cluster_upstream_rq counter').length, 1);
  assert.ok(lines.indexOf('# TYPE envoy_cluster_upstream_rq counter') < lines.indexOf(expected[1]!));
});

test('label values are escaped', () => {
  const store = new StatsStore();
  store.scope('cluster.a"b\\c.').counter('upstream_rq_total').inc();
  assert.match(renderPrometheus(store), /envoy_cluster_name="a\\"b\\\\c"/);
});

test('/stats text: sorted name: value lines, histograms as quantile summaries', () => {
  const store = new StatsStore();
  store.counter('b.count').inc(2);
  store.gauge('a.gauge').set(5);
  store.counter('c.unused');
  const h = store.histogram('z.time');
  for (let i = 0; i < 100; i++) h.record(i < 50 ? 2 : 20);
  store.histogram('y.empty');
  const text = renderStatsText(store);
  const lines = text.trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, 3), ['a.gauge: 5', 'b.count: 2', 'c.unused: 0']);
  assert.equal(lines[3], 'y.empty: No recorded values');
  assert.match(lines[4]!, /^z\.time: P0\(nan,2\) P25\(nan,[\d.]+\) P50\(nan,[\d.]+\) .* P100\(nan,20\)$/);
  const p50 = Number(/P50\(nan,([\d.]+)\)/.exec(lines[4]!)![1]);
  assert.ok(p50 >= 2 && p50 <= 5, `p50 ${p50} in the 1–5 bucket`);
  const p90 = Number(/P90\(nan,([\d.]+)\)/.exec(lines[4]!)![1]);
  assert.ok(p90 > 10 && p90 <= 20, `p90 ${p90} in the 10–25 bucket, clamped to max`);
  assert.equal(renderStatsText(store, { usedOnly: true }).split('\n')[0], 'a.gauge: 5');
  assert.equal(renderStatsText(store, { filter: /^b\./ }), 'b.count: 2\n');
});

test('/stats?format=json', () => {
  const store = new StatsStore();
  store.counter('x.total').inc();
  store.histogram('x.time').record(1);
  const json = JSON.parse(renderStatsJson(store)) as { stats: unknown[] };
  assert.deepEqual(json.stats[0], { name: 'x.total', value: 1 });
  const hist = json.stats[1] as {
    histograms: { supported_quantiles: number[]; computed_quantiles: unknown[] };
  };
  assert.equal(hist.histograms.supported_quantiles.length, 10);
  assert.deepEqual(hist.histograms.computed_quantiles, [
    { name: 'x.time', values: new Array(10).fill({ interval: null, cumulative: 1 }) },
  ]);
});

test('Prometheus histogram _sum at full precision (as Envoy prints it), not rounded', () => {
  const store = new StatsStore();
  const h = store.histogram('cluster.c.upstream_rq_time');
  for (let i = 0; i < 999; i++) h.record(1236);
  h.record(1233);
  const line = renderPrometheus(store)
    .split('\n')
    .find((l) => l.startsWith('envoy_cluster_upstream_rq_time_sum'));
  // Six significant digits would print 1.236e6 as 1236000.
  assert.equal(line, 'envoy_cluster_upstream_rq_time_sum{envoy_cluster_name="c"} 1235997');
});

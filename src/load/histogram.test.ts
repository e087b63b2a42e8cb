import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration } from './duration.ts';
import { BUCKET_EDGES, Histogram, Summary } from './histogram.ts';
import { formatHistogram, num } from './report.ts';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} ≉ ${b}`);

describe('Summary', () => {
  it('keeps count, sum, min, max, mean and population stddev', () => {
    const s = new Summary();
    for (const v of [2, 4, 4, 4, 5, 5, 7, 9]) s.record(v);
    assert.equal(s.count, 8);
    assert.equal(s.sum, 40);
    assert.equal(s.min, 2);
    assert.equal(s.max, 9);
    close(s.avg, 5);
    close(s.stddev, 2);
  });
});

describe('Histogram', () => {
  it('puts values on an edge into the bucket that edge closes', () => {
    const h = new Histogram();
    h.record(0.001);
    h.record(0.0010001);
    const b = h.buckets();
    assert.equal(b.length, 2);
    assert.equal(b[0]!.end, 0.001);
    assert.equal(b[1]!.start, 0.001);
  });

  it('reports cumulative percentages and clamps the first bucket to min, the last to max', () => {
    const h = new Histogram();
    for (let i = 0; i < 5; i++) h.record(0.0015); // (0.0014, 0.0016]
    for (let i = 0; i < 15; i++) h.record(0.0055); // (0.005, 0.006]
    const b = h.buckets();
    assert.deepEqual(
      b.map((x) => [x.start, x.end, x.percent, x.count]),
      [
        [0.0015, 0.0016, 25, 5],
        [0.005, 0.0055, 100, 15],
      ],
    );
  });

  it('interpolates percentiles linearly inside the bucket holding the rank', () => {
    const h = new Histogram();
    // 100 values spread over (0.002, 0.0025]: min 0.002005, max 0.0025.
    for (let i = 1; i <= 100; i++) h.record(0.002 + i * 0.000005);
    close(h.percentile(50), 0.002005 + (0.0025 - 0.002005) * 0.5);
    close(h.percentile(90), 0.002005 + (0.0025 - 0.002005) * 0.9);
    assert.equal(h.percentile(100), 0.0025);
    assert.equal(h.percentile(0), 0.002005);
  });

  it('walks across buckets: 80 fast and 20 slow calls put p90 in the slow bucket', () => {
    const h = new Histogram();
    for (let i = 0; i < 80; i++) h.record(0.0011);
    for (let i = 0; i < 20; i++) h.record(0.0301 + i * 0.0001);
    // The fast bucket (0.001, 0.0012] starts at min 0.0011: ranks inside it interpolate there.
    close(h.percentile(50), 0.0011 + 0.0001 * (50 / 80));
    close(h.percentile(80), 0.0012);
    // rank 90 is half-way through the slow bucket (0.03, 0.035], whose top is clamped to max 0.032.
    close(h.percentile(90), 0.03 + (0.032 - 0.03) * 0.5);
    assert.ok(h.percentile(99.9) <= h.max);
  });

  it('handles no data and values beyond the last edge', () => {
    const empty = new Histogram();
    assert.equal(empty.percentile(50), 0);
    assert.deepEqual(empty.buckets(), []);
    const h = new Histogram();
    h.record(250);
    assert.equal(h.buckets()[0]!.end, 250);
    assert.equal(h.percentile(99), 250);
    assert.ok(BUCKET_EDGES.every((e, i) => i === 0 || e > BUCKET_EDGES[i - 1]!));
  });

  it('prints fortio-shaped lines: range, mid point, cumulative percent, count and targets', () => {
    const h = new Histogram();
    for (let i = 0; i < 5; i++) h.record(0.0015);
    for (let i = 0; i < 15; i++) h.record(0.0055);
    const text = formatHistogram('Aggregated Function Time', h);
    assert.match(
      text,
      /^Aggregated Function Time : count 20 avg 0\.0045 \+\/- 0\.00173205 min 0\.0015 max 0\.0055/,
    );
    assert.match(text, /^# range, mid point, percentile, count$/m);
    assert.match(text, /^>= 0\.0015 <= 0\.0016 , 0\.00155 , 25\.00, 5$/m);
    assert.match(text, /^> 0\.005 <= 0\.0055 , 0\.00525 , 100\.00, 15$/m);
    for (const p of ['50%', '75%', '90%', '99%', '99.9%'])
      assert.match(text, new RegExp(`^# target ${p} `, 'm'));
  });
});

describe('formatting helpers', () => {
  it('num keeps six significant digits without trailing zeros', () => {
    assert.equal(num(0.00123456789), '0.00123457');
    assert.equal(num(25), '25');
  });

  it('parseDuration reads Go durations and bare seconds', () => {
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('2'), 2000);
    assert.equal(parseDuration('1.5h'), 5_400_000);
    assert.equal(parseDuration('ten'), undefined);
    assert.equal(parseDuration(''), undefined);
  });
});

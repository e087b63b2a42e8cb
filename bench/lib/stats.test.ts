import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median, percentileSorted, percentiles } from './stats.ts';

test('nearest-rank percentiles of 1..100 are the rank itself', () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i); // unsorted on purpose
  const p = percentiles(values, [0, 1, 50, 90, 99, 99.9, 100]);
  assert.deepEqual(p, { p0: 1, p1: 1, p50: 50, p90: 90, p99: 99, 'p99.9': 100, p100: 100 });
});

test('percentiles sort numerically, not as strings', () => {
  assert.equal(percentiles([10, 9, 100, 2], [50])['p50'], 9);
});

test('a percentile is always an observed value (no interpolation)', () => {
  assert.equal(percentileSorted([1, 2, 3, 4], 50), 2);
  assert.equal(percentileSorted([1, 2, 3, 4], 51), 3);
  assert.equal(percentileSorted([7], 99), 7);
});

test('percentiles of nothing are NaN; an out-of-range p is a RangeError', () => {
  assert.ok(Number.isNaN(percentileSorted([], 50)));
  assert.throws(() => percentileSorted([1], 101), RangeError);
  assert.throws(() => percentileSorted([1], Number.NaN), RangeError);
});

test('median of repeated runs: middle, mean of middle two, ignores failed (NaN) runs', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([5, Number.NaN, 1]), 3);
  assert.ok(Number.isNaN(median([])));
});

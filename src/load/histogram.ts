// Latency statistics in the shape fortio prints them: a summary (count, avg, stddev, min, max,
// sum) plus a bucketed histogram whose percentiles are interpolated inside the bucket that holds
// the wanted rank. Buckets keep memory constant however long the run is.

/** Running count/sum/min/max/stddev of a series of numbers (no samples kept). */
export class Summary {
  count = 0;
  sum = 0;
  #sumSq = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  record(v: number): void {
    this.count++;
    this.sum += v;
    this.#sumSq += v * v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  get avg(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** Population standard deviation. */
  get stddev(): number {
    if (this.count === 0) return 0;
    const mean = this.avg;
    return Math.sqrt(Math.max(0, this.#sumSq / this.count - mean * mean));
  }
}

/**
 * Bucket upper edges in seconds: per decade from 100 µs to 100 s, steps fine enough (≤ 25 %)
 * that interpolated percentiles are useful for sub-millisecond loopback latencies too.
 */
const STEPS = [1, 1.2, 1.4, 1.6, 1.8, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9];
export const BUCKET_EDGES: readonly number[] = (() => {
  const edges: number[] = [];
  for (let exp = -4; exp <= 1; exp++)
    for (const step of STEPS) edges.push(Number((step * 10 ** exp).toPrecision(3)));
  edges.push(100);
  return edges;
})();

export interface Bucket {
  /** Lower bound (the run's minimum for the first non-empty bucket). */
  start: number;
  /** Upper bound (the run's maximum for the last non-empty bucket). */
  end: number;
  /** Cumulative percentage of values ≤ end. */
  percent: number;
  count: number;
}

export class Histogram extends Summary {
  readonly #counts = new Float64Array(BUCKET_EDGES.length + 1);

  override record(v: number): void {
    super.record(v);
    this.#counts[bucketIndex(v)]!++;
  }

  /** The non-empty buckets, clamped to [min, max], with cumulative percentages. */
  buckets(): Bucket[] {
    const out: Bucket[] = [];
    let cumulative = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      const count = this.#counts[i]!;
      if (count === 0) continue;
      cumulative += count;
      const [lo, hi] = this.#bounds(i);
      out.push({ start: lo, end: hi, percent: (100 * cumulative) / this.count, count });
    }
    return out;
  }

  /** The value below which `p` percent of the recorded values lie (linear within a bucket). */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    if (p >= 100) return this.max;
    if (p <= 0) return this.min;
    const rank = (p / 100) * this.count;
    let before = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      const count = this.#counts[i]!;
      if (count === 0) continue;
      if (before + count >= rank) {
        const [lo, hi] = this.#bounds(i);
        return lo + ((hi - lo) * (rank - before)) / count;
      }
      before += count;
    }
    return this.max;
  }

  #bounds(i: number): [number, number] {
    const lo = i === 0 ? 0 : BUCKET_EDGES[i - 1]!;
    const hi = i < BUCKET_EDGES.length ? BUCKET_EDGES[i]! : this.max;
    return [Math.max(lo, this.min), Math.min(hi, this.max)];
  }
}

/** Index of the bucket holding `v`: values equal to an edge belong to the bucket it closes. */
function bucketIndex(v: number): number {
  let lo = 0;
  let hi = BUCKET_EDGES.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (BUCKET_EDGES[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

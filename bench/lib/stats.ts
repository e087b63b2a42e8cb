// Order statistics for benchmark samples. Percentiles use the nearest-rank definition (the value
// at rank ceil(p/100 · n) of the sorted samples): every reported number is a latency that was
// actually observed, which is what HdrHistogram-style tools (wrk2, fortio) report too.

/** Sorts a copy ascending (numeric, not lexicographic). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** Nearest-rank percentile of already-sorted samples; NaN when there are none. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[rank - 1]!;
}

/** Several percentiles at once, keyed by "p50", "p90", … (one sort). */
export function percentiles(values: ArrayLike<number>, ps: number[]): Record<string, number> {
  const sorted = sortedCopy(values);
  const out: Record<string, number> = {};
  for (const p of ps) out[`p${p}`] = percentileSorted(sorted, p);
  return out;
}

/** Median of repeated measurements (mean of the middle two for an even count); NaN if empty. */
export function median(values: number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = finite.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

// The results as fortio prints them, line for line in structure, so that anyone following
// Istio's circuit-breaking task recognises "Code 503 : 4 (20.0 %)" and the percentile lines; and
// a JSON document with fortio's field names for scripts.

import { formatDuration } from './duration.ts';
import type { Histogram, Summary } from './histogram.ts';
import type { LoadOptions, LoadResult } from './runner.ts';

export const PERCENTILES = [50, 75, 90, 99, 99.9] as const;

/** A number as Go's %g would print it closely enough: ≤ 6 significant digits, no trailing zeros. */
export function num(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return String(Number(n.toPrecision(6)));
}

function plan(o: LoadOptions): string {
  return o.calls !== undefined
    ? `${o.calls} calls`
    : o.durationMs > 0
      ? formatDuration(o.durationMs)
      : 'until interrupted';
}

/** The lines printed before the run starts. */
export function formatStart(o: LoadOptions, version: string, target: string): string {
  const c = o.calls === undefined ? o.connections : Math.min(o.connections, o.calls);
  const rate = o.qps > 0 ? `${num(o.qps)} qps` : 'max qps';
  let detail: string;
  if (o.calls !== undefined) {
    const per = Math.floor(o.calls / c);
    detail = `for exactly ${o.calls} calls (${per} per connection + ${o.calls - per * c})`;
  } else if (o.durationMs > 0 && o.qps > 0) {
    const each = Math.round((o.qps * o.durationMs) / 1000 / c);
    detail = `for ${formatDuration(o.durationMs)} : ${each} calls each (total ${each * c})`;
  } else {
    detail = o.durationMs > 0 ? `for ${formatDuration(o.durationMs)}` : 'until interrupted';
  }
  return (
    `weft load ${version} running at ${num(o.qps)} queries per second, ${c} connection(s), for ${plan(o)}: ${target}\n` +
    `Starting at ${rate} with ${c} connection(s) ${detail}\n`
  );
}

function summaryLine(label: string, s: Summary): string {
  if (s.count === 0) return `${label} : no data\n`;
  return (
    `${label} : count ${s.count} avg ${num(s.avg)} +/- ${num(s.stddev)} ` +
    `min ${num(s.min)} max ${num(s.max)} sum ${num(s.sum)}\n`
  );
}

export function formatHistogram(label: string, h: Histogram): string {
  let out = summaryLine(label, h);
  if (h.count === 0) return out;
  out += '# range, mid point, percentile, count\n';
  h.buckets().forEach((b, i) => {
    const lo = i === 0 ? `>= ${num(b.start)}` : `> ${num(b.start)}`;
    out += `${lo} <= ${num(b.end)} , ${num((b.start + b.end) / 2)} , ${b.percent.toFixed(2)}, ${b.count}\n`;
  });
  for (const p of PERCENTILES) out += `# target ${p}% ${num(h.percentile(p))}\n`;
  return out;
}

/** The report after the run. */
export function formatResult(r: LoadResult): string {
  const calls = r.latency.count;
  const seconds = r.actualDurationMs / 1000;
  const qps = seconds > 0 ? calls / seconds : 0;
  let out = `Ended after ${formatDuration(r.actualDurationMs)} : ${calls} calls. qps=${num(qps)}\n`;
  out += formatHistogram('Aggregated Function Time', r.latency);
  out += summaryLine('Error cases', r.errorLatency);
  const c =
    r.options.calls === undefined ? r.options.connections : Math.min(r.options.connections, r.options.calls);
  out += `Sockets used: ${r.socketsUsed} (for perfect keepalive, would be ${c})\n`;
  for (const [code, count] of [...r.codes].sort((a, b) => a[0] - b[0]))
    out += `Code ${code} : ${count} (${((100 * count) / Math.max(1, calls)).toFixed(1)} %)\n`;
  out += summaryLine('Response Header Sizes', r.headerSizes);
  out += summaryLine('Response Body/Total Sizes', r.bodySizes);
  out += `All done ${calls} calls (plus 0 warmup) ${(r.latency.avg * 1000).toFixed(3)} ms avg, ${qps.toFixed(1)} qps\n`;
  return out;
}

/** The failure reasons, one line each, for stderr. */
export function formatErrors(r: LoadResult): string {
  let out = '';
  for (const [reason, count] of r.errors) out += `weft load: ${count} call(s) failed: ${reason}\n`;
  return out;
}

function histogramJson(h: Histogram) {
  return {
    Count: h.count,
    Min: h.count ? h.min : 0,
    Max: h.count ? h.max : 0,
    Sum: h.sum,
    Avg: h.avg,
    StdDev: h.stddev,
    Data: h.buckets().map((b) => ({ Start: b.start, End: b.end, Percent: b.percent, Count: b.count })),
    Percentiles: PERCENTILES.map((p) => ({ Percentile: p, Value: h.percentile(p) })),
  };
}

function summaryJson(s: Summary) {
  return { Count: s.count, Min: s.count ? s.min : 0, Max: s.count ? s.max : 0, Sum: s.sum, Avg: s.avg };
}

/** Machine output, with fortio's field names where the meaning is the same. */
export function resultJson(r: LoadResult, version: string): Record<string, unknown> {
  const o = r.options;
  const calls = r.latency.count;
  return {
    RunType: 'HTTP',
    Version: `weft-load ${version}`,
    StartTime: r.startTime.toISOString(),
    URL: r.target.url.href,
    Proxy: r.target.proxy ?? null,
    Method: r.method,
    RequestedQPS: o.qps === 0 ? 'max' : String(o.qps),
    RequestedDuration: o.calls !== undefined ? `exactly ${o.calls} calls` : plan(o),
    ActualQPS: r.actualDurationMs > 0 ? calls / (r.actualDurationMs / 1000) : 0,
    ActualDuration: Math.round(r.actualDurationMs * 1e6),
    NumThreads: o.calls === undefined ? o.connections : Math.min(o.connections, o.calls),
    Exactly: o.calls ?? 0,
    DurationHistogram: histogramJson(r.latency),
    ErrorsDurationHistogram: histogramJson(r.errorLatency),
    RetCodes: Object.fromEntries([...r.codes].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v])),
    Errors: Object.fromEntries(r.errors),
    Sockets: r.socketsUsed,
    HeaderSizes: summaryJson(r.headerSizes),
    Sizes: summaryJson(r.bodySizes),
  };
}

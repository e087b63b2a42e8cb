// Renderings of the stats store for the admin server: Envoy's /stats text ('name: value' lines,
// counters and gauges sorted by name, then histograms as quantile summaries), its ?format=json,
// and /stats/prometheus (tag-extracted names prefixed 'envoy_', tags as labels, one '# TYPE' per
// metric family). Not on the request path: these allocate freely.

import { type Counter, type Gauge, HISTOGRAM_BUCKETS, type Histogram, type StatsStore } from './stats.ts';
import type { Tag } from './tags.ts';

export interface StatsRenderOptions {
  /** Only stats whose full name matches (Envoy's ?filter=, an ECMAScript regex here). */
  filter?: RegExp;
  /** Only stats that were ever written (?usedonly). */
  usedOnly?: boolean;
}

/** The quantiles Envoy prints for histograms, in percent. */
const QUANTILES: readonly number[] = [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100];

interface Selected {
  scalars: (Counter | Gauge)[];
  histograms: Histogram[];
}

function select(store: StatsStore, opts: StatsRenderOptions): Selected {
  const keep = (s: { name: string; used: boolean }): boolean =>
    (!opts.usedOnly || s.used) && (!opts.filter || opts.filter.test(s.name));
  const scalars: (Counter | Gauge)[] = [...store.counters(), ...store.gauges()].filter(keep);
  scalars.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const histograms = store.histograms().filter(keep);
  histograms.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { scalars, histograms };
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  return String(Number(n.toPrecision(6)));
}

/**
 * Envoy's summary line. Envoy shows (interval, cumulative) pairs; this proxy does not flush stats
 * to sinks, so it has no interval and prints 'nan' there, as Envoy does before its first flush.
 */
function histogramSummary(h: Histogram): string {
  if (h.count === 0) return 'No recorded values';
  return QUANTILES.map((q) => `P${q}(nan,${formatNumber(h.quantile(q / 100))})`).join(' ');
}

export function renderStatsText(store: StatsStore, opts: StatsRenderOptions = {}): string {
  const { scalars, histograms } = select(store, opts);
  let out = '';
  for (const s of scalars) out += `${s.name}: ${s.value}\n`;
  for (const h of histograms) out += `${h.name}: ${histogramSummary(h)}\n`;
  return out;
}

export function renderStatsJson(store: StatsStore, opts: StatsRenderOptions = {}): string {
  const { scalars, histograms } = select(store, opts);
  const stats: unknown[] = scalars.map((s) => ({ name: s.name, value: s.value }));
  if (histograms.length > 0) {
    stats.push({
      histograms: {
        supported_quantiles: QUANTILES,
        computed_quantiles: histograms.map((h) => ({
          name: h.name,
          values: QUANTILES.map((q) => ({
            interval: null,
            cumulative: h.count === 0 ? null : Number(formatNumber(h.quantile(q / 100))),
          })),
        })),
      },
    });
  }
  return JSON.stringify({ stats }, null, 1) + '\n';
}

/** Prometheus metric name: 'envoy_' + the tag-extracted name with every other character as '_'. */
function metricName(tagExtractedName: string): string {
  return 'envoy_' + tagExtractedName.replace(/[^a-zA-Z0-9_]/g, '_');
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(tags: readonly Tag[], extra?: string): string {
  const parts = tags.map(([k, v]) => `${k.replace(/[^a-zA-Z0-9_]/g, '_')}="${escapeLabel(v)}"`);
  if (extra) parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function byFamily<T extends { tagExtractedName: string }>(stats: T[]): Map<string, T[]> {
  const families = new Map<string, T[]>();
  for (const s of stats) {
    const name = metricName(s.tagExtractedName);
    const list = families.get(name);
    if (list) list.push(s);
    else families.set(name, [s]);
  }
  return new Map([...families].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

export function renderPrometheus(store: StatsStore, opts: StatsRenderOptions = {}): string {
  const keep = (s: { name: string; used: boolean }): boolean =>
    (!opts.usedOnly || s.used) && (!opts.filter || opts.filter.test(s.name));
  let out = '';
  for (const [name, list] of byFamily(store.counters().filter(keep))) {
    out += `# TYPE ${name} counter\n`;
    for (const c of list) out += `${name}${labels(c.tags)} ${c.value}\n`;
  }
  for (const [name, list] of byFamily(store.gauges().filter(keep))) {
    out += `# TYPE ${name} gauge\n`;
    for (const g of list) out += `${name}${labels(g.tags)} ${g.value}\n`;
  }
  for (const [name, list] of byFamily(store.histograms().filter(keep))) {
    out += `# TYPE ${name} histogram\n`;
    for (const h of list) {
      let cumulative = 0;
      for (let i = 0; i < HISTOGRAM_BUCKETS.length; i++) {
        cumulative += h.bucketCounts[i]!;
        out += `${name}_bucket${labels(h.tags, `le="${HISTOGRAM_BUCKETS[i]}"`)} ${cumulative}\n`;
      }
      out += `${name}_bucket${labels(h.tags, 'le="+Inf"')} ${h.count}\n`;
      // Full precision, as Envoy's {:.32g}: rate(_sum)/rate(_count) must not step on rounding.
      out += `${name}_sum${labels(h.tags)} ${Number.isNaN(h.sum) ? 'nan' : String(h.sum)}\n`;
      out += `${name}_count${labels(h.tags)} ${h.count}\n`;
    }
  }
  return out;
}

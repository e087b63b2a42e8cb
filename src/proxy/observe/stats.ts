// The stats store: counters, gauges and histograms by Envoy's flat dotted names, with handles that
// callers bind once at config time and bump on the hot path (a field increment, no lookup, no
// string building). Asking twice for the same name returns the same handle, so a config update that
// rebuilds a cluster keeps its counts.

import {
  contextForFlatName,
  extendContext,
  extractLeaf,
  ROOT_CONTEXT,
  type Tag,
  type TagContext,
} from './tags.ts';

/** Envoy's default histogram bucket bounds (milliseconds for time histograms). */
export const HISTOGRAM_BUCKETS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
];

interface StatIdentity {
  /** Full flat name: 'cluster.x.upstream_rq_200'. */
  readonly name: string;
  /** Tag-extracted name: 'cluster.upstream_rq'. */
  readonly tagExtractedName: string;
  readonly tags: readonly Tag[];
}

export class Counter implements StatIdentity {
  value = 0;
  /** Whether it was ever incremented (Envoy's 'used' flag, for ?usedonly). */
  used = false;
  readonly name: string;
  readonly tagExtractedName: string;
  readonly tags: readonly Tag[];
  constructor(name: string, tagExtractedName: string, tags: readonly Tag[]) {
    this.name = name;
    this.tagExtractedName = tagExtractedName;
    this.tags = tags;
  }
  inc(n = 1): void {
    this.value += n;
    this.used = true;
  }
}

export class Gauge implements StatIdentity {
  value = 0;
  used = false;
  readonly name: string;
  readonly tagExtractedName: string;
  readonly tags: readonly Tag[];
  constructor(name: string, tagExtractedName: string, tags: readonly Tag[]) {
    this.name = name;
    this.tagExtractedName = tagExtractedName;
    this.tags = tags;
  }
  inc(n = 1): void {
    this.value += n;
    this.used = true;
  }
  dec(n = 1): void {
    this.value -= n;
    this.used = true;
  }
  set(v: number): void {
    this.value = v;
    this.used = true;
  }
}

export class Histogram implements StatIdentity {
  /** Per-bucket (not cumulative) counts; the last slot is +Inf. */
  readonly bucketCounts: number[] = new Array<number>(HISTOGRAM_BUCKETS.length + 1).fill(0);
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  readonly name: string;
  readonly tagExtractedName: string;
  readonly tags: readonly Tag[];
  constructor(name: string, tagExtractedName: string, tags: readonly Tag[]) {
    this.name = name;
    this.tagExtractedName = tagExtractedName;
    this.tags = tags;
  }
  get used(): boolean {
    return this.count > 0;
  }
  record(value: number): void {
    const b = HISTOGRAM_BUCKETS;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.bucketCounts[i]!++;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }
  /**
   * Estimated quantile q in [0,1], interpolating linearly inside the bucket that holds it and
   * clamping to the recorded min/max; NaN when nothing was recorded.
   */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    if (q <= 0) return this.min;
    if (q >= 1) return this.max;
    const target = q * this.count;
    let seen = 0;
    for (let i = 0; i < this.bucketCounts.length; i++) {
      const c = this.bucketCounts[i]!;
      if (c === 0) continue;
      if (seen + c >= target) {
        const lo = Math.max(i === 0 ? 0 : HISTOGRAM_BUCKETS[i - 1]!, this.min);
        const hi = Math.min(i < HISTOGRAM_BUCKETS.length ? HISTOGRAM_BUCKETS[i]! : this.max, this.max);
        return lo + (hi - lo) * ((target - seen) / c);
      }
      seen += c;
    }
    return this.max;
  }
}

export interface StatsScope {
  /** The flat prefix of every stat made through this scope ('' at the root, else ends in '.'). */
  readonly prefix: string;
  counter(name: string): Counter;
  gauge(name: string): Gauge;
  histogram(name: string): Histogram;
  /** A child scope: scope('cluster.outbound|9080||reviews.default.svc.cluster.local.'). */
  scope(name: string): StatsScope;
  /**
   * Runs `flush` whenever the stats are listed (the admin's /stats, /stats/prometheus): for values
   * kept elsewhere until then, such as the bytes of connections still open. Returns its remover.
   */
  beforeRead(flush: () => void): () => void;
}

class Scope implements StatsScope {
  private readonly store: StatsStore;
  readonly prefix: string;
  private readonly ctx: TagContext;
  constructor(store: StatsStore, prefix: string, ctx: TagContext) {
    this.store = store;
    this.prefix = prefix;
    this.ctx = ctx;
  }
  counter(name: string): Counter {
    return this.store.make(this.store.counterMap, this.prefix + name, this.ctx, name, Counter);
  }
  gauge(name: string): Gauge {
    return this.store.make(this.store.gaugeMap, this.prefix + name, this.ctx, name, Gauge);
  }
  histogram(name: string): Histogram {
    return this.store.make(this.store.histogramMap, this.prefix + name, this.ctx, name, Histogram);
  }
  scope(name: string): StatsScope {
    const segment = name.endsWith('.') ? name : name + '.';
    return new Scope(this.store, this.prefix + segment, extendContext(this.ctx, segment));
  }
  beforeRead(flush: () => void): () => void {
    return this.store.beforeRead(flush);
  }
}

type StatClass<T> = new (name: string, tagExtractedName: string, tags: readonly Tag[]) => T;

export class StatsStore implements StatsScope {
  readonly prefix = '';
  /** @internal maps by flat name; read them through counters()/gauges()/histograms(). */
  readonly counterMap = new Map<string, Counter>();
  readonly gaugeMap = new Map<string, Gauge>();
  readonly histogramMap = new Map<string, Histogram>();
  private readonly root = new Scope(this, '', ROOT_CONTEXT);
  private readonly flushers = new Set<() => void>();

  counter(name: string): Counter {
    return this.root.counter(name);
  }
  gauge(name: string): Gauge {
    return this.root.gauge(name);
  }
  histogram(name: string): Histogram {
    return this.root.histogram(name);
  }
  scope(name: string): StatsScope {
    return this.root.scope(name);
  }

  beforeRead(flush: () => void): () => void {
    this.flushers.add(flush);
    return () => {
      this.flushers.delete(flush);
    };
  }

  private flush(): void {
    for (const f of this.flushers) f();
  }

  counters(): Counter[] {
    this.flush();
    return [...this.counterMap.values()];
  }
  gauges(): Gauge[] {
    this.flush();
    return [...this.gaugeMap.values()];
  }
  histograms(): Histogram[] {
    return [...this.histogramMap.values()];
  }

  /** @internal */
  make<T>(map: Map<string, T>, full: string, ctx: TagContext, leaf: string, cls: StatClass<T>): T {
    const existing = map.get(full);
    if (existing) return existing;
    const flat = contextForFlatName(ctx, leaf);
    const extracted = extractLeaf(flat.ctx, flat.leaf);
    const stat = new cls(full, extracted.name, extracted.tags);
    map.set(full, stat);
    return stat;
  }
}

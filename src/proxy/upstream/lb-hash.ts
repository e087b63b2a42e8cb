// Consistent-hashing load balancers: RING_HASH (Ketama-style ring, each host placed by xxHash64 of
// '<address>_<i>' in proportion to its weight, ring size between the configured minimum and
// maximum) and MAGLEV (the lookup table of Eisenbud et al., "Maglev: A Fast and Reliable Software
// Network Load Balancer", NSDI 2016, with weights as Envoy applies them). Both are built once per
// host list; a lookup is a binary search (ring) or an index (Maglev). Without a request hash they
// pick a random host, as Envoy does.

import { xxHash64 } from '../hash/index.ts';
import type { LoadBalancer, RandomSource } from './lb-basic.ts';
import type { UpstreamHost } from './types.ts';

/**
 * A 64-bit hash from the random source, for a request without one: as Envoy, the balancer then
 * looks up a random point of its ring or table, so hosts are picked in proportion to their share
 * of it (their weights), not uniformly.
 */
export function randomHash(random: RandomSource): bigint {
  const hi = Math.floor(random() * 0x1_0000_0000);
  const lo = Math.floor(random() * 0x1_0000_0000);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

export class RingHashLb implements LoadBalancer {
  private readonly ringHashes: BigUint64Array;
  private readonly ringHosts: UpstreamHost[];
  private readonly random: RandomSource;
  /** Envoy's ring_hash_lb.size: the ring size the weights were scaled to (ceil of the scale). */
  readonly ringSize: number;
  /** Envoy's ring_hash_lb.min_hashes_per_host / max_hashes_per_host. */
  readonly minHashesPerHost: number;
  readonly maxHashesPerHost: number;

  constructor(
    hosts: readonly UpstreamHost[],
    minRingSize: number,
    maxRingSize: number,
    random: RandomSource,
  ) {
    this.random = random;
    const totalWeight = hosts.reduce((s, h) => s + h.weight, 0);
    const entries: { hash: bigint; host: UpstreamHost }[] = [];
    let ringSize = 0;
    let minPerHost = 0;
    let maxPerHost = 0;
    if (hosts.length > 0 && totalWeight > 0) {
      // Envoy's sizing: scale so the lightest host gets a whole number of entries and the ring is
      // at least minRingSize, capped at maxRingSize.
      const minNormalized = Math.min(...hosts.map((h) => h.weight / totalWeight));
      const scale = Math.min(Math.ceil(minNormalized * minRingSize) / minNormalized, maxRingSize);
      ringSize = Math.ceil(scale);
      minPerHost = ringSize;
      // Running sums over the whole host list, as Envoy: a host places entries while the count so
      // far is below its target, so fractional shares round up where they fall (1.5 each: 2, 1, 2, 1).
      let current = 0;
      let target = 0;
      for (const host of hosts) {
        target += scale * (host.weight / totalWeight);
        let i = 0;
        for (; current < target; i++, current++) {
          entries.push({ hash: xxHash64(`${host.addressText}_${i}`), host });
        }
        minPerHost = Math.min(minPerHost, i);
        maxPerHost = Math.max(maxPerHost, i);
      }
    }
    entries.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
    this.ringHashes = BigUint64Array.from(entries.map((e) => e.hash));
    this.ringHosts = entries.map((e) => e.host);
    this.ringSize = ringSize;
    this.minHashesPerHost = minPerHost;
    this.maxHashesPerHost = maxPerHost;
  }

  readonly hashing = true;

  choose(hash: bigint | undefined, attempt = 0): UpstreamHost | undefined {
    const n = this.ringHosts.length;
    if (n === 0) return undefined;
    const h = hash ?? randomHash(this.random);
    // First entry whose hash is >= the request's, wrapping to the start (Ketama's lookup).
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ringHashes[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    const at = lo === n ? 0 : lo;
    // A pick to avoid: the entries after it on the ring, one per attempt (Envoy's rule).
    return this.ringHosts[attempt > 0 ? (at + attempt) % n : at];
  }
}

export class MaglevLb implements LoadBalancer {
  private readonly table: UpstreamHost[];
  private readonly random: RandomSource;
  readonly tableSize: number;
  /** Envoy's maglev_lb.min_entries_per_host / max_entries_per_host. */
  readonly minEntriesPerHost: number;
  readonly maxEntriesPerHost: number;

  constructor(hosts: readonly UpstreamHost[], tableSize: number, random: RandomSource) {
    this.random = random;
    this.tableSize = tableSize;
    if (hosts.length === 1) {
      // Envoy's degenerate table: one host takes every key (its stats count one entry).
      this.table = [hosts[0]!];
      this.minEntriesPerHost = 1;
      this.maxEntriesPerHost = 1;
      return;
    }
    const built = hosts.length === 0 ? undefined : buildMaglevTable(hosts, tableSize);
    this.table = built?.table ?? [];
    this.minEntriesPerHost = built?.minEntries ?? 0;
    this.maxEntriesPerHost = built?.maxEntries ?? 0;
  }

  readonly hashing = true;

  choose(hash: bigint | undefined, attempt = 0): UpstreamHost | undefined {
    const n = this.table.length;
    if (n === 0) return undefined;
    if (n === 1) return this.table[0];
    let h = hash ?? randomHash(this.random);
    // A pick to avoid: the hash flipped by all-ones minus (attempt - 1), so a retry lands far away
    // (Envoy's rule, so the same hosts are tried in the same order).
    if (attempt > 0) h ^= (1n << 64n) - BigInt(attempt);
    return this.table[Number(h % BigInt(this.tableSize))];
  }
}

/**
 * The Maglev lookup table, built as Envoy builds it so that a key maps to the same host: hosts in
 * the order of their hash keys (addresses), each walking its own permutation of the slots
 * (offset + j * skip mod M, from xxHash64 of the address with seeds 0 and 1) and claiming the next
 * free slot on its turn. Weighted turns: in round r (from 1) a host takes one when r times its
 * normalized weight reaches its target, which starts at 0 and grows by the largest normalized
 * weight per turn taken — the heaviest hosts take every round, one of a third of that weight
 * every third.
 */
function buildMaglevTable(
  unsorted: readonly UpstreamHost[],
  m: number,
): { table: UpstreamHost[]; minEntries: number; maxEntries: number } {
  const hosts = [...unsorted].sort((a, b) =>
    a.addressText < b.addressText ? -1 : a.addressText > b.addressText ? 1 : 0,
  );
  const table = new Array<UpstreamHost | undefined>(m).fill(undefined);
  const totalWeight = hosts.reduce((s, h) => s + h.weight, 0);
  const weights = hosts.map((h) => h.weight / totalWeight);
  const maxWeight = Math.max(...weights);
  const offset = hosts.map((h) => Number(xxHash64(h.addressText, 0n) % BigInt(m)));
  const skip = hosts.map((h) => Number(xxHash64(h.addressText, 1n) % BigInt(m - 1)) + 1);
  const next = new Array<number>(hosts.length).fill(0);
  const target = new Array<number>(hosts.length).fill(0);
  const count = new Array<number>(hosts.length).fill(0);
  let filled = 0;
  for (let round = 1; filled < m; round++) {
    for (let i = 0; i < hosts.length && filled < m; i++) {
      if (round * weights[i]! < target[i]!) continue;
      target[i]! += maxWeight;
      let slot = (offset[i]! + next[i]! * skip[i]!) % m;
      while (table[slot] !== undefined) {
        next[i]!++;
        slot = (offset[i]! + next[i]! * skip[i]!) % m;
      }
      table[slot] = hosts[i];
      next[i]!++;
      count[i]!++;
      filled++;
    }
  }
  return { table: table as UpstreamHost[], minEntries: Math.min(...count), maxEntries: Math.max(...count) };
}

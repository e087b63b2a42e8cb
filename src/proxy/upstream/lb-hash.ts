// Consistent-hashing load balancers: RING_HASH (Ketama-style ring, each host placed by xxHash64 of
// '<address>_<i>' in proportion to its weight, ring size between the configured minimum and
// maximum) and MAGLEV (the lookup table of Eisenbud et al., "Maglev: A Fast and Reliable Software
// Network Load Balancer", NSDI 2016, with weights as Envoy applies them). Both are built once per
// host list; a lookup is a binary search (ring) or an index (Maglev). Without a request hash they
// pick a random host, as Envoy does.

import { xxHash64 } from '../hash/index.ts';
import type { LoadBalancer, RandomSource } from './lb-basic.ts';
import type { UpstreamHost } from './types.ts';

export class RingHashLb implements LoadBalancer {
  private readonly ringHashes: BigUint64Array;
  private readonly ringHosts: UpstreamHost[];
  private readonly hosts: readonly UpstreamHost[];
  private readonly random: RandomSource;

  constructor(
    hosts: readonly UpstreamHost[],
    minRingSize: number,
    maxRingSize: number,
    random: RandomSource,
  ) {
    this.hosts = hosts;
    this.random = random;
    const totalWeight = hosts.reduce((s, h) => s + h.weight, 0);
    const entries: { hash: bigint; host: UpstreamHost }[] = [];
    if (hosts.length > 0 && totalWeight > 0) {
      // Scale so the lightest host gets at least one entry and the ring is at least minRingSize,
      // capped at maxRingSize (Envoy's sizing rule).
      const minNormalized = Math.min(...hosts.map((h) => h.weight / totalWeight));
      const scale = Math.min(Math.ceil(minNormalized * minRingSize) / minNormalized, maxRingSize);
      let target = 0;
      let placed = 0;
      for (const host of hosts) {
        target += (host.weight / totalWeight) * scale;
        const count = Math.floor(target) - placed;
        for (let i = 0; i < count; i++) {
          entries.push({ hash: xxHash64(`${host.addressText}_${i}`), host });
        }
        placed += count;
      }
    }
    entries.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
    this.ringHashes = BigUint64Array.from(entries.map((e) => e.hash));
    this.ringHosts = entries.map((e) => e.host);
  }

  get ringSize(): number {
    return this.ringHosts.length;
  }

  choose(hash: bigint | undefined): UpstreamHost | undefined {
    const n = this.ringHosts.length;
    if (n === 0) return undefined;
    if (hash === undefined) return this.hosts[Math.floor(this.random() * this.hosts.length)];
    // First entry whose hash is >= the request's, wrapping to the start.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ringHashes[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    return this.ringHosts[lo === n ? 0 : lo];
  }
}

export class MaglevLb implements LoadBalancer {
  private readonly table: UpstreamHost[];
  private readonly hosts: readonly UpstreamHost[];
  private readonly random: RandomSource;
  readonly tableSize: number;

  constructor(hosts: readonly UpstreamHost[], tableSize: number, random: RandomSource) {
    this.hosts = hosts;
    this.random = random;
    this.tableSize = tableSize;
    this.table = hosts.length === 0 ? [] : buildMaglevTable(hosts, tableSize);
  }

  choose(hash: bigint | undefined): UpstreamHost | undefined {
    if (this.table.length === 0) return undefined;
    if (hash === undefined) return this.hosts[Math.floor(this.random() * this.hosts.length)];
    return this.table[Number(hash % BigInt(this.tableSize))];
  }
}

/**
 * Each host walks its own permutation of table slots (offset + j * skip mod M) and claims the next
 * free slot on its turn. Weighted: a host's turn comes when its accumulated normalized weight
 * reaches the largest normalized weight, so slots are shared in proportion to weight.
 */
function buildMaglevTable(hosts: readonly UpstreamHost[], m: number): UpstreamHost[] {
  const table = new Array<UpstreamHost | undefined>(m).fill(undefined);
  const totalWeight = hosts.reduce((s, h) => s + h.weight, 0);
  const weights = hosts.map((h) => h.weight / totalWeight);
  const maxWeight = Math.max(...weights);
  const offset = hosts.map((h) => Number(xxHash64(h.addressText, 0n) % BigInt(m)));
  const skip = hosts.map((h) => Number(xxHash64(h.addressText, 1n) % BigInt(m - 1)) + 1);
  const next = new Array<number>(hosts.length).fill(0);
  const credit = new Array<number>(hosts.length).fill(0);
  let filled = 0;
  while (filled < m) {
    for (let i = 0; i < hosts.length && filled < m; i++) {
      credit[i]! += weights[i]!;
      if (credit[i]! < maxWeight) continue;
      credit[i]! -= maxWeight;
      let slot = (offset[i]! + next[i]! * skip[i]!) % m;
      while (table[slot] !== undefined) {
        next[i]!++;
        slot = (offset[i]! + next[i]! * skip[i]!) % m;
      }
      table[slot] = hosts[i];
      next[i]!++;
      filled++;
    }
  }
  return table as UpstreamHost[];
}

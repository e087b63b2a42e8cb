// Load balancers that pick per request from the current host list: ROUND_ROBIN (smooth weighted
// when weights differ, plain rotation when they are equal), LEAST_REQUEST (power of N choices on
// active requests; with unequal weights, Envoy's weight / (active + 1) dynamic weighting) and
// RANDOM. Each is built for one immutable host list at config time; picks allocate nothing.

import type { UpstreamHost } from './types.ts';

export interface LoadBalancer {
  /**
   * `hash` is used by hashing balancers; the others ignore it. `attempt` (0 first) counts the
   * picks of one host selection that landed on a host to avoid (retry_host_predicate): a hashing
   * balancer moves off its first answer by it, as Envoy's do; the others simply pick again.
   */
  choose(hash: bigint | undefined, attempt?: number): UpstreamHost | undefined;
  /** Whether a request without a hash should look up a random one (ring and Maglev). */
  readonly hashing?: boolean;
}

export type RandomSource = () => number;

const allEqual = (hosts: readonly UpstreamHost[]): boolean =>
  hosts.every((h) => h.weight === hosts[0]!.weight);

export class RoundRobinLb implements LoadBalancer {
  private readonly hosts: readonly UpstreamHost[];
  private readonly weighted: boolean;
  private next = 0;
  // Smooth weighted round robin: every pick adds each weight to its current value, takes the
  // largest and subtracts the total from it, which spreads a 5:1 split as AAABAA… not AAAAAB.
  private readonly current: number[];
  private readonly total: number;

  constructor(hosts: readonly UpstreamHost[], random: RandomSource) {
    this.hosts = hosts;
    this.weighted = hosts.length > 1 && !allEqual(hosts);
    this.current = new Array<number>(hosts.length).fill(0);
    this.total = hosts.reduce((s, h) => s + h.weight, 0);
    // Envoy starts each worker's rotation at a random offset so proxies don't march in step.
    this.next = hosts.length > 0 ? Math.floor(random() * hosts.length) : 0;
  }

  choose(): UpstreamHost | undefined {
    const n = this.hosts.length;
    if (n === 0) return undefined;
    if (!this.weighted) {
      const h = this.hosts[this.next % n]!;
      this.next = (this.next + 1) % n;
      return h;
    }
    let best = 0;
    for (let i = 0; i < n; i++) {
      this.current[i]! += this.hosts[i]!.weight;
      if (this.current[i]! > this.current[best]!) best = i;
    }
    this.current[best]! -= this.total;
    return this.hosts[best];
  }
}

export class LeastRequestLb implements LoadBalancer {
  private readonly hosts: readonly UpstreamHost[];
  private readonly weighted: boolean;
  private readonly choiceCount: number;
  private readonly random: RandomSource;
  private readonly current: number[];

  constructor(hosts: readonly UpstreamHost[], choiceCount: number, random: RandomSource) {
    this.hosts = hosts;
    this.weighted = hosts.length > 1 && !allEqual(hosts);
    this.choiceCount = Math.max(1, choiceCount);
    this.random = random;
    this.current = new Array<number>(hosts.length).fill(0);
  }

  choose(): UpstreamHost | undefined {
    const n = this.hosts.length;
    if (n === 0) return undefined;
    if (n === 1) return this.hosts[0];
    if (this.weighted) return this.chooseWeighted();
    // Equal weights: sample choiceCount hosts (with replacement, as Envoy does) and keep the one
    // with the fewest active requests.
    let best = this.hosts[Math.floor(this.random() * n)]!;
    for (let c = 1; c < this.choiceCount; c++) {
      const h = this.hosts[Math.floor(this.random() * n)]!;
      if (h.stats.rqActive < best.stats.rqActive) best = h;
    }
    return best;
  }

  // Unequal weights: Envoy schedules by effective weight = weight / (active_requests + 1)
  // (active_request_bias 1.0). Smooth weighted selection over the effective weights.
  private chooseWeighted(): UpstreamHost {
    const hosts = this.hosts;
    let total = 0;
    let best = 0;
    for (let i = 0; i < hosts.length; i++) {
      const h = hosts[i]!;
      const w = h.weight / (h.stats.rqActive + 1);
      total += w;
      this.current[i]! += w;
      if (this.current[i]! > this.current[best]!) best = i;
    }
    this.current[best]! -= total;
    return hosts[best]!;
  }
}

export class RandomLb implements LoadBalancer {
  private readonly hosts: readonly UpstreamHost[];
  private readonly random: RandomSource;
  constructor(hosts: readonly UpstreamHost[], random: RandomSource) {
    this.hosts = hosts;
    this.random = random;
  }
  choose(): UpstreamHost | undefined {
    const n = this.hosts.length;
    return n === 0 ? undefined : this.hosts[Math.floor(this.random() * n)];
  }
}

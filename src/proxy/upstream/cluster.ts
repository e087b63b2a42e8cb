// One cluster at run time: its runtime (config, stats, breakers) shared with its hosts' pools,
// its hosts, and a load balancer built for the hosts the balancer may use. apply() takes a new
// config and assignment in place, so breakers' in-use counts and hosts with unchanged addresses
// (with their pools and counters) carry over.

import type tls from 'node:tls';
import type { ClusterConfig, EndpointAssignmentConfig } from '../config/index.ts';
import type { StatsScope } from '../observe/index.ts';
import { ClusterCircuitBreakers } from './circuit-breakers.ts';
import { ClusterStats } from './cluster-stats.ts';
import { type ClusterRuntime, openConnection } from './connect.ts';
import { Host, hostAddressText, isUsable } from './host.ts';
import { LeastRequestLb, type LoadBalancer, RandomLb, type RandomSource, RoundRobinLb } from './lb-basic.ts';
import { MaglevLb, RingHashLb, randomHash } from './lb-hash.ts';
import { OutlierDetector } from './outlier/index.ts';
import type {
  ChooseHostContext,
  ConnectCallback,
  PendingAcquire,
  UpstreamCluster,
  UpstreamHost,
} from './types.ts';

/** Envoy's default overprovisioning factor, in percent: a level with ≥ 1/1.4 of its hosts usable counts as whole. */
const OVERPROVISIONING_PERCENT = 140;

export class Cluster implements UpstreamCluster {
  readonly name: string;
  readonly stats: ClusterStats;
  readonly circuitBreakers: ClusterCircuitBreakers;
  private readonly rt: ClusterRuntime;
  private readonly random: RandomSource;
  hosts: readonly Host[] = [];
  healthyHosts: readonly Host[] = [];
  private lb: LoadBalancer;
  private panic = false;
  private outlier: OutlierDetector | undefined;

  constructor(
    config: ClusterConfig,
    scope: StatsScope,
    tlsOptions: tls.ConnectionOptions | undefined,
    random: RandomSource,
  ) {
    this.name = config.name;
    this.random = random;
    this.stats = new ClusterStats(scope.scope(`cluster.${config.altStatName ?? config.name}.`));
    this.circuitBreakers = new ClusterCircuitBreakers(config.circuitBreakers, this.stats);
    this.rt = { config, stats: this.stats, breakers: this.circuitBreakers, tlsOptions };
    this.lb = new RandomLb([], random);
  }

  get config(): ClusterConfig {
    return this.rt.config;
  }

  /** Hosts of the new assignment; the caller has validated the config. */
  apply(
    config: ClusterConfig,
    tlsOptions: tls.ConnectionOptions | undefined,
    assignment?: EndpointAssignmentConfig,
  ): void {
    const connectionShapeChanged = JSON.stringify(config.tls) !== JSON.stringify(this.rt.config.tls);
    this.rt.config = config;
    this.rt.tlsOptions = tlsOptions;
    this.circuitBreakers.setThresholds(config.circuitBreakers);
    const previous = new Map<string, Host>();
    for (const h of this.hosts) previous.set(h.addressText, h);
    const hosts: Host[] = [];
    const seen = new Set<string>();
    for (const locality of assignment?.localities ?? []) {
      for (const endpoint of locality.endpoints) {
        const key = hostAddressText(endpoint);
        if (seen.has(key)) continue;
        seen.add(key);
        const old = connectionShapeChanged ? undefined : previous.get(key);
        if (old) {
          old.refresh(endpoint, locality);
          previous.delete(key);
          hosts.push(old);
        } else hosts.push(new Host(this.rt, endpoint, locality));
      }
    }
    for (const gone of previous.values()) gone.pool.close();
    if (connectionShapeChanged) for (const h of this.hosts) h.pool.close();
    this.hosts = hosts;
    this.applyOutlierDetection(config);
    this.rebuildLb();
  }

  private applyOutlierDetection(config: ClusterConfig): void {
    const od = config.outlierDetection;
    if (od === undefined) {
      this.outlier?.close();
      this.outlier = undefined;
      return;
    }
    if (this.outlier) this.outlier.setConfig(od);
    else this.outlier = new OutlierDetector(od, this.stats.scope, () => this.rebuildLb(), this.random);
    this.outlier.setHosts(this.hosts);
  }

  private rebuildLb(): void {
    const all = this.hosts;
    // Hosts ejected by outlier detection are unhealthy to the balancer, as failed EDS health is.
    const usable = all.filter(isServing);
    this.healthyHosts = usable;
    this.stats.membershipTotal.set(all.length);
    this.stats.membershipHealthy.set(
      all.filter((h) => (h.health === 'HEALTHY' || h.health === 'UNKNOWN') && !h.outlierEjected).length,
    );
    this.stats.membershipDegraded.set(all.filter((h) => h.health === 'DEGRADED').length);
    // Priorities: the lowest priority level with a usable host takes the traffic (Envoy spills
    // over gradually by overprovisioning factor; this simpler rule is documented as such).
    let level = Number.POSITIVE_INFINITY;
    for (const h of usable) level = Math.min(level, h.priority);
    const levelHosts = Number.isFinite(level) ? all.filter((h) => h.priority === level) : all;
    const levelUsable = levelHosts.filter(isServing);
    const c = this.rt.config;
    this.panic = inPanic(all, levelHosts.length, levelUsable.length, c.healthyPanicThreshold);
    const chosen = this.panic ? levelHosts : levelUsable;
    switch (c.lbPolicy) {
      case 'ROUND_ROBIN':
        this.lb = new RoundRobinLb(chosen, this.random);
        break;
      case 'LEAST_REQUEST':
        this.lb = new LeastRequestLb(chosen, c.leastRequest.choiceCount, this.random);
        break;
      case 'RANDOM':
        this.lb = new RandomLb(chosen, this.random);
        break;
      case 'RING_HASH': {
        const ring = new RingHashLb(
          chosen,
          c.ringHash.minimumRingSize,
          c.ringHash.maximumRingSize,
          this.random,
        );
        // Envoy's ring_hash_lb.* gauges, in the cluster's scope, set at each rebuild.
        const scope = this.stats.scope;
        scope.gauge('ring_hash_lb.size').set(ring.ringSize);
        scope.gauge('ring_hash_lb.min_hashes_per_host').set(ring.minHashesPerHost);
        scope.gauge('ring_hash_lb.max_hashes_per_host').set(ring.maxHashesPerHost);
        this.lb = ring;
        break;
      }
      case 'MAGLEV': {
        const maglev = new MaglevLb(chosen, c.maglev.tableSize, this.random);
        const scope = this.stats.scope;
        scope.gauge('maglev_lb.min_entries_per_host').set(maglev.minEntriesPerHost);
        scope.gauge('maglev_lb.max_entries_per_host').set(maglev.maxEntriesPerHost);
        this.lb = maglev;
        break;
      }
    }
  }

  chooseHost(ctx?: ChooseHostContext): UpstreamHost | undefined {
    if (this.panic) this.stats.lbHealthyPanic.inc();
    const exclude = ctx?.exclude;
    // One hash for every pick of this selection: a request without one gets a random point once.
    const hash =
      ctx?.hash ?? (this.lb.hashing === true && exclude !== undefined ? randomHash(this.random) : undefined);
    let host = this.lb.choose(hash, 0);
    if (host === undefined) {
      this.stats.upstreamCxNoneHealthy.inc();
      return undefined;
    }
    if (exclude && exclude.size > 0) {
      // Envoy's host selection retries: up to host_selection_retry_max_attempts more picks, the
      // hashing balancers moving off by the attempt number; if all are excluded, the last stands.
      const attempts = ctx?.selectionAttempts ?? 1;
      for (let i = 1; i <= attempts && exclude.has(host); i++) host = this.lb.choose(hash, i) ?? host;
    }
    return host;
  }

  connect(host: UpstreamHost, cb: ConnectCallback): PendingAcquire {
    if (!this.circuitBreakers.tryAcquire('connections')) {
      cb({ kind: 'overflow', responseFlag: 'UO', message: 'overflow' }, undefined);
      return { cancel() {} };
    }
    const opening = openConnection(this.rt, host, cb);
    return { cancel: () => opening.abort() };
  }

  /** Closes every host's pool (the cluster was removed). */
  close(): void {
    this.outlier?.close();
    this.outlier = undefined;
    for (const h of this.hosts) h.pool.close();
  }
}

const isServing = (h: Host): boolean => isUsable(h.health) && !h.outlierEjected;

/**
 * Envoy's panic rule (LoadBalancerBase): no level panics while the levels' availability
 * (usable share × overprovisioning, each capped at 100 %) sums to 100 %; otherwise the level in
 * use panics when its usable share is below the cluster's healthy_panic_threshold (0: never).
 */
function inPanic(
  all: readonly Host[],
  levelTotal: number,
  levelUsable: number,
  thresholdPercent: number,
): boolean {
  if (levelTotal === 0 || thresholdPercent <= 0) return false;
  const total = new Map<number, number>();
  const usable = new Map<number, number>();
  for (const h of all) {
    total.set(h.priority, (total.get(h.priority) ?? 0) + 1);
    if (isServing(h)) usable.set(h.priority, (usable.get(h.priority) ?? 0) + 1);
  }
  let availability = 0;
  for (const [p, n] of total)
    availability += Math.min(100, Math.floor((OVERPROVISIONING_PERCENT * (usable.get(p) ?? 0)) / n));
  if (availability >= 100) return false;
  return (100 * levelUsable) / levelTotal < thresholdPercent;
}

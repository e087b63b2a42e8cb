// Owns the clusters the proxy routes to. update() takes a whole new CDS+EDS view: clusters keep
// their identity (stats, breaker counts, hosts and pools whose address is unchanged), new ones are
// built, removed ones close their pools. A cluster that cannot be served is left out and reported.

import { isIP } from 'node:net';
import type tls from 'node:tls';
import type { ClusterConfig, EndpointAssignmentConfig } from '../config/index.ts';
import { clusterName } from '../names/index.ts';
import type { StatsStore } from '../observe/index.ts';
import { Cluster } from './cluster.ts';
import type { RandomSource } from './lb-basic.ts';
import { OriginalDstCluster, type OwnListenerCheck } from './original-dst.ts';
import { upstreamTlsOptions } from './tls-options.ts';
import type { ClusterError, ClusterManagerInput, UpstreamCluster } from './types.ts';

export interface ClusterManagerOptions {
  /** Random source for load balancers (tests pass a seeded one). Default Math.random. */
  random?: RandomSource;
  /**
   * Whether ip:port is one of the proxy's bound listeners: an ORIGINAL_DST cluster never connects
   * there (the request would loop). Without it, the cluster still refuses the listener a request
   * came in on.
   */
  ownListener?: OwnListenerCheck;
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

/** The endpoints a cluster serves, or why it cannot be served. */
function assignmentFor(
  c: ClusterConfig,
  endpoints: ReadonlyMap<string, EndpointAssignmentConfig>,
): EndpointAssignmentConfig | undefined | string {
  switch (c.discovery) {
    case 'STATIC':
      return c.loadAssignment;
    case 'EDS':
      return endpoints.get(c.edsServiceName);
    case 'STRICT_DNS':
    case 'LOGICAL_DNS': {
      // Endpoints given as IP literals need no resolution; hostnames are not resolved yet.
      const names = (c.loadAssignment?.localities ?? [])
        .flatMap((l) => l.endpoints)
        .filter((e) => isIP(e.address.host) === 0)
        .map((e) => e.address.host);
      if (names.length > 0) {
        return `cluster ${c.name}: ${c.discovery} with hostnames (${names.join(', ')}) is not supported yet: DNS resolution is not implemented`;
      }
      return c.loadAssignment;
    }
    case 'ORIGINAL_DST':
      // Hosts are the destinations of connections and requests, made on demand.
      return undefined;
  }
}

function validate(c: ClusterConfig): string | undefined {
  if (c.upstreamProtocol === 'http2') {
    return `cluster ${c.name}: upstream HTTP/2 is not supported by the HTTP/1.1 connection pool`;
  }
  if (c.lbPolicy === 'MAGLEV' && !isPrime(c.maglev.tableSize)) {
    return `cluster ${c.name}: maglev table_size ${c.maglev.tableSize} must be prime`;
  }
  if (c.lbPolicy === 'RING_HASH' && c.ringHash.minimumRingSize > c.ringHash.maximumRingSize) {
    return `cluster ${c.name}: ring_hash minimum_ring_size ${c.ringHash.minimumRingSize} exceeds maximum_ring_size ${c.ringHash.maximumRingSize}`;
  }
  return undefined;
}

export class ClusterManager {
  readonly stats: StatsStore;
  private readonly random: RandomSource;
  private readonly ownListener: OwnListenerCheck | undefined;
  private byName = new Map<string, Cluster | OriginalDstCluster>();

  constructor(stats: StatsStore, options: ClusterManagerOptions = {}) {
    this.stats = stats;
    this.random = options.random ?? Math.random;
    this.ownListener = options.ownListener;
  }

  /** Swaps in a new set of clusters; returns the clusters that could not be built (left out). */
  update(input: ClusterManagerInput): ClusterError[] {
    const errors: ClusterError[] = [];
    const next = new Map<string, Cluster | OriginalDstCluster>();
    for (const config of input.clusters) {
      const invalid = validate(config);
      const assignment = invalid ?? assignmentFor(config, input.endpoints);
      if (typeof assignment === 'string') {
        errors.push({ cluster: config.name, message: assignment });
        continue;
      }
      let tlsOptions: tls.ConnectionOptions | undefined;
      if (config.tls) {
        const built = upstreamTlsOptions(config.name, config.tls);
        if (typeof built === 'string') {
          errors.push({ cluster: config.name, message: built });
          continue;
        }
        tlsOptions = built;
      }
      // A cluster whose stats name changes (alt_stat_name) is built anew: its stats are bound then.
      const kept = this.byName.get(config.name);
      const previous = kept?.config.altStatName === config.altStatName ? kept : undefined;
      if (config.discovery === 'ORIGINAL_DST') {
        const cluster =
          previous instanceof OriginalDstCluster
            ? previous
            : new OriginalDstCluster(config, this.stats, tlsOptions, this.ownListener);
        cluster.apply(config, tlsOptions);
        next.set(clusterName(config.name), cluster);
        continue;
      }
      const cluster =
        previous instanceof Cluster ? previous : new Cluster(config, this.stats, tlsOptions, this.random);
      cluster.apply(config, tlsOptions, assignment);
      next.set(clusterName(config.name), cluster);
    }
    // A cluster replaced (its type or its stats name changed) closes too.
    for (const [name, old] of this.byName) if (next.get(name) !== old) old.close();
    this.byName = next;
    return errors;
  }

  get(name: string): UpstreamCluster | undefined {
    return this.byName.get(name);
  }

  clusters(): UpstreamCluster[] {
    return [...this.byName.values()];
  }

  /** Closes every pool (idle sockets now, busy ones on release). */
  close(): void {
    for (const c of this.byName.values()) c.close();
  }
}

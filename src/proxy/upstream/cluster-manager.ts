// Owns the clusters the proxy routes to.
import type { StatsStore } from '../observe/index.ts';
import type { ClusterError, ClusterManagerInput, UpstreamCluster } from './types.ts';

export class ClusterManager {
  readonly stats: StatsStore;
  constructor(stats: StatsStore) {
    this.stats = stats;
  }
  /** Swaps in a new set of clusters; returns the clusters that could not be built (left out). */
  update(_input: ClusterManagerInput): ClusterError[] {
    throw new Error('ClusterManager.update: not implemented yet');
  }
  get(_name: string): UpstreamCluster | undefined {
    throw new Error('ClusterManager.get: not implemented yet');
  }
  clusters(): UpstreamCluster[] {
    throw new Error('ClusterManager.clusters: not implemented yet');
  }
  /** Closes every pool (idle sockets now, busy ones on release). */
  close(): void {}
}

// The control plane's derived state: the service registry and the mesh index, rebuilt once per
// config version (or workload change), and each connected proxy's generated config, built at most
// once per (proxy, mesh version) and shared by the CDS, EDS, LDS and RDS generators. Parts that
// many proxies share (a namespace's clusters and endpoints, its route tables) are generated once
// per mesh version through a memo, so those proxies hold the same objects and the ADS server
// encodes them once.
import type { ConfigStore } from '../../config/index.ts';
import type { WorkloadInstance } from '../../registry/index.ts';
import { buildRegistry } from '../../registry/index.ts';
import {
  buildMeshIndex,
  type GeneratedConfig,
  type GenerationMemo,
  generateProxyConfig,
  type MeshIndex,
  type ProxyInfo,
  proxyInfoFromNode,
} from '../translate/index.ts';
import type { ConnectedProxy } from '../xds/index.ts';

interface CacheEntry {
  meshVersion: number;
  info: ProxyInfo;
  config: GeneratedConfig;
}

export class MeshState {
  private readonly store: ConfigStore;
  private workloads: () => readonly WorkloadInstance[];
  private index: MeshIndex;
  private readonly cache = new Map<string, CacheEntry>();
  /** Shared parts of this mesh version's generations; replaced with the index. */
  private memo = new Map<string, unknown>();
  private readonly memoView: GenerationMemo = {
    get: <T>(key: string, build: () => T): T => {
      if (this.memo.has(key)) return this.memo.get(key) as T;
      const value = build();
      this.memo.set(key, value);
      return value;
    },
  };
  /** Bumped on every rebuild; the generation cache is keyed by it. */
  meshVersion = 0;
  /** Generations done (cache misses), for tests and the benchmark. */
  generations = 0;

  constructor(store: ConfigStore, workloads: () => readonly WorkloadInstance[]) {
    this.store = store;
    this.workloads = workloads;
    this.index = this.build();
  }

  setWorkloadSource(workloads: () => readonly WorkloadInstance[]): void {
    this.workloads = workloads;
  }

  /** Re-derives registry and index from the store's current snapshot. */
  rebuild(): MeshIndex {
    this.index = this.build();
    return this.index;
  }

  current(): MeshIndex {
    return this.index;
  }

  /** The proxy's whole config at the current mesh version, generated once and then cached. */
  configFor(proxy: ConnectedProxy): GeneratedConfig {
    const hit = this.cache.get(proxy.connectionId);
    if (hit && hit.meshVersion === this.meshVersion) return hit.config;
    const info = proxyInfoFromNode(proxy.node);
    const config = generateProxyConfig(this.index, info, this.memoView);
    this.generations++;
    this.cache.set(proxy.connectionId, { meshVersion: this.meshVersion, info, config });
    return config;
  }

  /** Drops cache entries of proxies that are gone. */
  retain(connectionIds: Iterable<string>): void {
    const alive = new Set(connectionIds);
    for (const id of this.cache.keys()) if (!alive.has(id)) this.cache.delete(id);
  }

  private build(): MeshIndex {
    const snapshot = this.store.snapshot();
    const registry = buildRegistry(snapshot, { workloads: [...this.workloads()] });
    this.meshVersion++;
    this.memo = new Map();
    return buildMeshIndex(snapshot, registry);
  }
}

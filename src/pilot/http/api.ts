// What the HTTP API needs from the running control plane. The server module implements it; keeping
// it an interface lets the HTTP layer be tested and evolve without knowing how pilot is wired.
import type { ConfigStore, DirectorySource, ResourceKey } from '../../config/index.ts';
import type { GeneratedConfig } from '../translate/index.ts';
import type { ProxyStatus } from '../xds/index.ts';

export interface ConfigDump {
  connectionId: string;
  nodeId: string;
  /** The mesh (config + workloads) version the config was generated from. */
  meshVersion: number;
  configVersion: number;
  /** Routes and clusters name the rule that made them in `istio.config` metadata, as Istio's do. */
  config: GeneratedConfig;
}

export interface PilotApi {
  store: ConfigStore;
  source: DirectorySource;
  identity: { name: string; version: string };
  proxyStatus(): ProxyStatus[];
  /** The config generated for the proxy `query` names (see findProxy), or undefined. */
  configDump(query: string): ConfigDump | undefined;
  metricsText(): string;
  createdAt(key: ResourceKey): Date | undefined;
  ready(): boolean;
}

/**
 * Finds a proxy the way people name it: connection id, node id, 'name.namespace' or just the pod
 * name (when that is unambiguous).
 */
export function findProxy<
  T extends { connectionId: string; node: { id: string; name: string; namespace: string } },
>(proxies: readonly T[], query: string): T | undefined {
  const exact = proxies.find((p) => p.connectionId === query || p.node.id === query);
  if (exact) return exact;
  const qualified = proxies.filter((p) => `${p.node.name}.${p.node.namespace}` === query);
  if (qualified.length > 0) return qualified[qualified.length - 1];
  const byName = proxies.filter((p) => p.node.name === query);
  // The newest stream of a proxy that reconnected is the one that counts.
  const unique = (list: T[]) =>
    list.length > 0 && new Set(list.map((p) => `${p.node.name}.${p.node.namespace}`)).size === 1
      ? list[list.length - 1]
      : undefined;
  if (byName.length > 0) return unique(byName);
  // Local pod names carry a generated hash ('productpage-v1-1fff627a6-0'): a prefix that names one
  // proxy is enough, so people can type what they see in their manifests.
  return unique(proxies.filter((p) => p.node.name.startsWith(query)));
}

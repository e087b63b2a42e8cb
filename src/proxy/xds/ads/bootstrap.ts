// Where the ADS server is, from a decoded bootstrap: dynamic_resources.ads_config names a static
// cluster (envoy_grpc.cluster_name) whose first endpoint is the control plane.
import type { BootstrapConfig } from '../decode/index.ts';

export type AdsTarget = { ok: true; address: string } | { ok: false; message: string };

/** The gRPC target ('host:port') of the bootstrap's ADS server, or why there is none. */
export function adsTargetFromBootstrap(config: BootstrapConfig): AdsTarget {
  const clusterName = config.dynamic?.adsCluster;
  if (!clusterName) return { ok: false, message: 'bootstrap has no dynamic_resources.ads_config' };
  const cluster = config.staticResources.clusters.find((c) => c.name === clusterName);
  if (cluster?.tls) {
    return { ok: false, message: `ADS cluster '${clusterName}': TLS to the xDS server is not implemented` };
  }
  const address = config.dynamic?.xdsAddress;
  if (!address) {
    return { ok: false, message: `ADS cluster '${clusterName}' has no endpoint in its load_assignment` };
  }
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return { ok: true, address: `${host}:${address.port}` };
}

// envoy.filters.network.tcp_proxy → TcpProxyConfig.
import type { TcpProxyConfig } from '../../config/index.ts';
import { readAccessLogs } from './access-log.ts';
import type { MessageReader } from './reader.ts';

export const TCP_PROXY_TYPE = 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

/** TcpProxy.idle_timeout default (Envoy: 1 h). */
export const TCP_IDLE_TIMEOUT_MS = 3_600_000;

export function readTcpProxy(r: MessageReader): TcpProxyConfig {
  const out: TcpProxyConfig = {
    kind: 'tcp_proxy',
    statPrefix: r.requiredStr('stat_prefix'),
    idleTimeoutMs: r.durationMs('idle_timeout') ?? TCP_IDLE_TIMEOUT_MS,
    maxConnectAttempts: r.uint32('max_connect_attempts', 1, 1),
    accessLog: readAccessLogs(r),
  };
  const set = r.oneof(['cluster', 'weighted_clusters'], 'cluster_specifier');
  if (set === undefined) r.ctx.add(r.path, `tcp_proxy needs 'cluster' or 'weighted_clusters'`);
  else if (set === 'cluster') out.cluster = r.requiredStr('cluster');
  else {
    const w = r.message('weighted_clusters');
    if (w) {
      const clusters = w.messages('clusters').map((c) => {
        const name = c.requiredStr('name', 'weighted cluster name');
        const weight = c.uint32('weight', 0, 1);
        if (!c.has('weight')) c.error('weight', `weight must be at least 1`);
        c.finish();
        return { name, weight };
      });
      if (clusters.length === 0) w.error('clusters', `weighted_clusters needs at least one cluster`);
      out.weightedClusters = clusters;
      w.finish();
    }
  }
  // access_log_flush_interval: we write one access log line when a connection ends.
  r.finish(['access_log_flush_interval']);
  return out;
}

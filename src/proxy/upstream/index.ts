// The proxy's upstream side: the cluster manager, per-cluster load balancing, circuit breakers and
// stats, and per-host HTTP/1.1 connection pools. The HTTP engine asks a cluster for a host
// (chooseHost; undefined → 503 UH), then a connection from host.pool.acquire(cb, worker) — the
// pool of the downstream connection's worker, which applies the max_requests /
// max_pending_requests / max_connections breakers (overflow → 503 UO; connect failure or timeout
// → 503 UF) — and gives it back with pool.release(conn, reusable). The pool counts
// upstream_rq_total/active and cx stats; the engine counts responses (stats.recordResponse(code)),
// upstream_rq_time, timeouts and retries (circuitBreakers.tryAcquire('retries')).
// The TCP proxy uses cluster.connect(host).

export { xxHash64 } from '../hash/index.ts';
export { ClusterManager, type ClusterManagerOptions } from './cluster-manager.ts';
export { ClusterStats } from './cluster-stats.ts';
export type {
  AcquireCallback,
  AcquireHandler,
  ChooseHostContext,
  CircuitBreakers,
  ClusterError,
  ClusterManagerInput,
  ConnectCallback,
  HostStats,
  Http1Pool,
  PendingAcquire,
  ResourceKind,
  UpstreamCluster,
  UpstreamConnection,
  UpstreamFailure,
  UpstreamFailureKind,
  UpstreamHandler,
  UpstreamHost,
} from './types.ts';

// The proxy's upstream side: the cluster manager, per-cluster load balancing, circuit breakers and
// stats, and per-host HTTP/1.1 connection pools. The HTTP engine asks a cluster for a host
// (chooseHost), checks the requests breaker (circuitBreakers.tryAcquire('requests')), then gets a
// connection from host.pool.acquire(); the TCP proxy uses cluster.connect(host).
export { ClusterManager } from './cluster-manager.ts';
export { ClusterStats } from './cluster-stats.ts';
export type {
  AcquireCallback,
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
  UpstreamHost,
} from './types.ts';

// The upstream side's contract with the HTTP engine and the TCP proxy: clusters, hosts, pooled
// connections and the failures they report. Implementations live beside this file; callers import
// only ../upstream/index.ts.

import type { Socket } from 'node:net';
import type {
  ClusterConfig,
  EndpointAssignmentConfig,
  HealthStatus,
  SocketAddress,
} from '../config/index.ts';
import type { ClusterStats } from './cluster-stats.ts';
import type { HostOutlierSink } from './outlier/index.ts';

/** Why the upstream could not give a connection; `responseFlag` is the Envoy short code to log. */
export type UpstreamFailureKind =
  | 'connect_timeout'
  | 'connect_failure'
  | 'overflow'
  | 'no_healthy_upstream'
  | 'pool_closed';

export interface UpstreamFailure {
  kind: UpstreamFailureKind;
  /** 'UF' for connect failures and timeouts, 'UO' for overflow, 'UH' for no healthy host. */
  responseFlag: 'UF' | 'UO' | 'UH';
  /** Envoy's upstream transport failure reason, e.g. 'delayed connect error: 111'. */
  message: string;
}

/** A socket checked out of a host's pool, with what the pool knows about it. */
export interface UpstreamConnection {
  readonly socket: Socket;
  readonly host: UpstreamHost;
  /** Requests started on this connection, this one included. */
  requests: number;
  /**
   * The current user's handlers. The pool listens to the socket once per connection and dispatches
   * to it, so a request adds and removes no listeners. Plain-TCP sockets emit no 'data' events
   * (their reads go to the pool's reader): users must read through a handler.
   */
  handler: UpstreamHandler | undefined;
}

/** What a checked-out connection's socket events go to while a request uses it. */
export interface UpstreamHandler {
  /**
   * Bytes from the upstream. `chunk` may be a view of a read buffer that is reused once this
   * returns: copy what must outlive the call (a socket.write of it counts, unless it completes).
   */
  onUpstreamData(chunk: Buffer): void;
  onUpstreamClose(): void;
  onUpstreamDrain(): void;
}

/** Called once: with a connection, or with the failure. Never both, never neither (unless cancelled). */
export type AcquireCallback =
  | ((failure: UpstreamFailure | undefined, conn: UpstreamConnection | undefined) => void)
  | AcquireHandler;

/** An AcquireCallback as an object: a request's router takes its connection with no closure. */
export interface AcquireHandler {
  onPoolResult(failure: UpstreamFailure | undefined, conn: UpstreamConnection | undefined): void;
}

/** Calls `cb` with the acquire's outcome. */
export function deliverAcquire(
  cb: AcquireCallback,
  failure: UpstreamFailure | undefined,
  conn: UpstreamConnection | undefined,
): void {
  if (typeof cb === 'function') cb(failure, conn);
  else cb.onPoolResult(failure, conn);
}

/** A queued acquire; cancel() drops it (the callback is then never called). */
export interface PendingAcquire {
  cancel(): void;
}

export interface Http1Pool {
  /**
   * Gives an idle keep-alive connection (synchronously, via cb) or connects a new one; queues when
   * the cluster is at max_connections; fails with 'overflow' beyond max_pending_requests. Returns a
   * handle to cancel when the request was queued or is connecting, else undefined.
   * `worker`: the proxy worker the downstream connection is bound to (0 when absent). As each
   * Envoy worker thread keeps its own pools, each worker has its own connections to the host; the
   * cluster's circuit breakers count them all.
   */
  acquire(cb: AcquireCallback, worker?: number): PendingAcquire | undefined;
  /**
   * Returns a connection after a response. reusable: the exchange left it clean for another request
   * (keep-alive, body fully read). The caller must have removed its own socket listeners.
   */
  release(conn: UpstreamConnection, reusable: boolean): void;
  /** Idle connections now held. */
  readonly idleCount: number;
  /** Connections open (idle, busy and connecting). */
  readonly openCount: number;
  readonly pendingCount: number;
  /** Closes idle sockets and fails queued requests; busy sockets close on release. */
  close(): void;
}

/** Per-host counters, as /clusters prints them. Plain numbers: hosts are not in the stats store. */
export interface HostStats {
  cxTotal: number;
  cxActive: number;
  cxConnectFail: number;
  rqTotal: number;
  rqActive: number;
  rqError: number;
  rqSuccess: number;
  rqTimeout: number;
}

export interface UpstreamHost {
  readonly address: SocketAddress;
  /** 'ip:port', as %UPSTREAM_HOST% and /clusters print it. */
  readonly addressText: string;
  weight: number;
  health: HealthStatus;
  readonly hostname: string;
  readonly locality: { region: string; zone: string; subZone: string };
  readonly priority: number;
  readonly stats: HostStats;
  readonly pool: Http1Pool;
  /** Where attempts report their outcome when the cluster has outlier detection. */
  readonly outlier: HostOutlierSink | undefined;
  /** Ejected by outlier detection: the load balancer skips it (admin: /failed_outlier_check). */
  readonly outlierEjected: boolean;
}

export interface ChooseHostContext {
  /** Request hash for RING_HASH / MAGLEV (from the route's hash policy); absent → random host. */
  hash?: bigint;
  /** Hosts to avoid (retry_host_predicate previous_hosts); best effort, as in Envoy. */
  exclude?: ReadonlySet<UpstreamHost>;
  /**
   * How many more picks a pick of an excluded host gets (host_selection_retry_max_attempts,
   * default 1); when all land on excluded hosts the last is used, as Envoy does.
   */
  selectionAttempts?: number;
  /** ORIGINAL_DST: the downstream connection's local address, 'ip:port'. */
  downstreamLocalAddress?: string;
  /**
   * ORIGINAL_DST: the local address is the connection's original destination (it came through
   * transparent capture), not just the proxy's own listener the client connected to.
   */
  localAddressRestored?: boolean;
  /** ORIGINAL_DST, HTTP on an explicit-proxy listener: the request's authority, where the app asked to go. */
  authority?: string;
  /** ORIGINAL_DST use_http_header: the request's headers. */
  headers?: { get(name: string): string | undefined };
}

export type ResourceKind = 'connections' | 'pending_requests' | 'requests' | 'retries';

export interface CircuitBreakers {
  /** true and counts one more in use, or false (and bumps the overflow stat) at the threshold. */
  tryAcquire(kind: ResourceKind): boolean;
  release(kind: ResourceKind): void;
  inUse(kind: ResourceKind): number;
  max(kind: ResourceKind): number;
}

export type ConnectCallback = (failure: UpstreamFailure | undefined, socket: Socket | undefined) => void;

export interface UpstreamCluster {
  readonly name: string;
  readonly config: ClusterConfig;
  readonly stats: ClusterStats;
  readonly circuitBreakers: CircuitBreakers;
  /** All hosts, in assignment order. */
  readonly hosts: readonly UpstreamHost[];
  /** Hosts the load balancer currently considers healthy. */
  readonly healthyHosts: readonly UpstreamHost[];
  /** A host by the cluster's lb policy, or undefined when the cluster has no hosts (→ 503 UH). */
  chooseHost(ctx?: ChooseHostContext): UpstreamHost | undefined;
  /**
   * A raw connection to `host` for the TCP proxy, counted in the cluster's and host's cx stats and
   * the connections circuit breaker; the count is released when the socket closes.
   */
  connect(host: UpstreamHost, cb: ConnectCallback): PendingAcquire;
}

export interface ClusterManagerInput {
  clusters: readonly ClusterConfig[];
  /** EDS assignments by service name (ClusterConfig.edsServiceName). */
  endpoints: ReadonlyMap<string, EndpointAssignmentConfig>;
}

/** A precise reason a cluster could not be (re)built; the cluster is left out, others still apply. */
export interface ClusterError {
  cluster: string;
  message: string;
}

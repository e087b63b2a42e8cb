// The router's side of one forwarded request (Envoy's router filter): picks the host, applies the
// route's timeout, retry policy and mirrors, and runs the attempts, each on a pooled upstream
// connection through an UpstreamExchange, with the bookkeeping retries need (attempt count, hosts
// tried, the body kept for a resend, the per-try timer). The stream owns one per request it
// forwards and stays the exchange's owner; it hands the upstream's verdicts on to this object.
import { HeaderMap, type HeaderSource } from '../headers/index.ts';
import { ResponseFlag } from '../observe/index.ts';
import {
  type ClusterDecision,
  computeHash,
  type FormatContext,
  type MutableRequestHead,
} from '../router/index.ts';
import type {
  AcquireHandler,
  ChooseHostContext,
  PendingAcquire,
  UpstreamCluster,
  UpstreamConnection,
  UpstreamFailure,
  UpstreamHost,
} from '../upstream/index.ts';
import {
  honoursEnvoyHeaders,
  type RetryOwner,
  RetryState,
  type Shadows,
  sendMirrors,
  type UpstreamControls,
  upstreamControls,
} from './filters/index.ts';
import { requestHeadText } from './h1/index.ts';
import { UPSTREAM_RESET_BODY } from './local-reply.ts';
import type { ExchangeOwner } from './stream-types.ts';
import { UpstreamExchange } from './upstream-exchange.ts';

/** The stream as the router drives it. */
export interface RoutedStream extends ExchangeOwner, MutableRequestHead {
  method: string;
  readonly done: boolean;
  readonly pending: Buffer[] | undefined;
  readonly requestTrailers: HeaderMap | undefined;
  cluster: UpstreamCluster | undefined;
  host: UpstreamHost | undefined;
  exchange: UpstreamExchange | undefined;
  /** Replaces the body waiting for the next connection (a retry resends what was kept). */
  replacePending(chunks: Buffer[]): void;
  /** The request is fully sent upstream: the route timeout starts. */
  startRouteTimer(): void;
}

/** For routes whose request edits read no context (their mutations and rewrites are literal). */
const NO_CONTEXT: FormatContext = {
  downstreamRemoteAddress: '',
  upstreamRemoteAddress: undefined,
  upstreamHostname: undefined,
  protocol: '',
  startTimeMs: 0,
};

const IDLE = 0;
const ACQUIRING = 1;
const ACQUIRED_AT_ONCE = 2;

export class RouterRequest implements RetryOwner, AcquireHandler {
  private readonly stream: RoutedStream;
  private acquireHandle: PendingAcquire | undefined;
  /** Where acquire() is: the pool may answer before it returns (an idle connection). */
  private acquireState = IDLE;
  private syncFailure: UpstreamFailure | undefined = undefined;
  private syncConn: UpstreamConnection | undefined = undefined;
  /** Connections tried: a reused connection that closes before answering is retried once. */
  private attempts = 0;
  /** The route timeout after x-envoy-upstream-rq-timeout-ms (0: none). */
  timeoutMs = 0;
  /** Retries and per-try timeout, when the route or the request asks for them. */
  private retryState: RetryState | undefined;
  /** The request's hash from the route's hash policies (RING_HASH / MAGLEV), for every attempt. */
  private hash: bigint | undefined = undefined;
  /** Router attempts started (x-envoy-attempt-count). */
  private tries = 0;
  private includeAttemptCount = false;
  private upstreamHeadText: string | undefined;
  private upstreamHeadTries = 0;
  /** The route's shadows while the request body is still coming (undefined without mirrors). */
  private shadows: Shadows | undefined;

  constructor(stream: RoutedStream) {
    this.stream = stream;
  }

  get done(): boolean {
    return this.stream.done;
  }

  get responseStarted(): boolean {
    return this.stream.responseStarted;
  }

  get info(): RetryOwner['info'] {
    return this.stream.info;
  }

  /** Picks the host and starts the first attempt, or answers locally (503, 403). */
  forward(decision: ClusterDecision): void {
    const stream = this.stream;
    const hcm = stream.conn.hcm;
    const cluster = hcm.clusters.get(decision.clusterName);
    stream.info.upstreamCluster = decision.clusterName;
    if (!cluster) {
      hcm.stats.noCluster.inc();
      stream.sendLocalReply(503, '', 'cluster_not_found', ResponseFlag.NoClusterFound);
      return;
    }
    stream.cluster = cluster;
    if (stream.head.upgrade !== '') {
      const up = stream.head.upgrade;
      // Envoy: a route's own entry decides (enabled or not); without one, the connection manager's.
      const route = decision.route;
      const allowed = route.disabledUpgrades.includes(up)
        ? false
        : route.upgrades.includes(up) || hcm.config.upgrades.includes(up);
      if (!allowed) {
        stream.sendLocalReply(403, '', 'upgrade_failed', 0);
        return;
      }
    }
    const controls = CONTROLS;
    upstreamControls(
      decision.route.timeoutMs,
      decision.route.retryPolicy,
      stream.headers,
      honoursEnvoyHeaders(hcm.config.useRemoteAddress, stream.sourceIp),
      controls,
    );
    this.timeoutMs = controls.timeoutMs;
    this.includeAttemptCount = decision.route.includeAttemptCount;
    if (controls.policy !== undefined) {
      const rs = (this.retryState = new RetryState(controls.policy, this, cluster, !stream.requestEnded));
      controls.policy = undefined;
      // Body that arrived while a filter held the request (a fault delay) is kept too.
      if (stream.pending !== undefined) for (const chunk of stream.pending) rs.keepBody(chunk);
    }
    // RING_HASH / MAGLEV need the request's hash (the route's hash_policy); others ignore it.
    const policies = decision.route.hashPolicies;
    const hash = policies.length > 0 ? computeHash(policies, stream) : undefined;
    this.hash = hash;
    const host = cluster.chooseHost(
      cluster.config.discovery === 'ORIGINAL_DST'
        ? this.originalDstContext()
        : hash === undefined
          ? undefined
          : { hash },
    );
    if (!host) {
      // chooseHost counted upstream_cx_none_healthy.
      stream.sendLocalReply(
        503,
        'no healthy upstream',
        'no_healthy_upstream',
        ResponseFlag.NoHealthyUpstream,
      );
      return;
    }
    stream.host = host;
    stream.info.upstreamHost = host.addressText;
    // max_requests is the pool's to apply (pool.acquire): taking it here too counted every
    // request twice, so max_requests: 1 refused every request.
    const route = decision.route;
    route.applyToRequest(
      stream,
      decision,
      route.requestUsesContext(decision) ? stream.formatContext() : NO_CONTEXT,
    );
    stream.info.path = stream.path;
    stream.info.authority = stream.authority;
    // Shadows go out first and on their own: the main request never waits for them. They get the
    // body that already arrived now, the rest through keepBody and requestBodyEnded.
    if (decision.route.mirrors.length > 0 && stream.head.upgrade === '')
      this.shadows = sendMirrors(
        decision.route.mirrors,
        hcm.clusters,
        stream,
        this.timeoutMs,
        stream.conn.downstream.worker,
      );
    this.tries = 1;
    // The whole request is here: the route timeout starts now, before any wait for a connection.
    if (stream.requestEnded) stream.startRouteTimer();
    this.acquire();
  }

  /** RetryOwner: the next attempt after a back-off, on another host when previous_hosts asks. */
  startNextAttempt(): void {
    const stream = this.stream;
    const rs = this.retryState!;
    const cluster = stream.cluster!;
    // The same request hash as the first attempt: a consistent-hashing cluster retries on the same
    // host unless previous_hosts excludes it, as Envoy's router does.
    const host = cluster.chooseHost(
      cluster.config.discovery === 'ORIGINAL_DST'
        ? this.originalDstContext()
        : { hash: this.hash, exclude: rs.excludedHosts, selectionAttempts: rs.policy.hostSelectionAttempts },
    );
    if (!host) {
      stream.sendLocalReply(
        503,
        'no healthy upstream',
        'no_healthy_upstream',
        ResponseFlag.NoHealthyUpstream,
      );
      return;
    }
    stream.host = host;
    stream.info.upstreamHost = host.addressText;
    // The body so far is in rs.body (whatever arrived during the back-off included).
    if (rs.body !== undefined) stream.replacePending(rs.body.slice());
    this.tries++;
    this.attempts = 0;
    this.acquire();
  }

  /**
   * What an ORIGINAL_DST cluster picks the destination from. Connections reach HTTP listeners
   * directly for now (explicit proxy: the app used HTTP_PROXY), so the local address is the
   * proxy's own and the authority says where to go; captured connections will set
   * localAddressRestored once the listener hands them over by original destination.
   */
  private originalDstContext(): ChooseHostContext {
    const stream = this.stream;
    return {
      downstreamLocalAddress: stream.conn.downstream.localAddress,
      authority: stream.authority,
      headers: stream.headers,
    };
  }

  /** RetryOwner: the attempt ran past its per-try timeout; retry it or answer 504. */
  onPerTryTimeout(): void {
    const stream = this.stream;
    stream.cluster!.stats.upstreamRqPerTryTimeout.inc();
    const host = stream.host;
    if (host) {
      host.stats.rqTimeout++;
      host.outlier?.putLocalFailure('timeout');
    }
    this.abandonAttempt();
    if (this.retryState!.onFailure('timeout', host)) return;
    stream.sendLocalReply(
      504,
      'upstream request timeout',
      'upstream_per_try_timeout',
      ResponseFlag.UpstreamRequestTimeout,
    );
  }

  /** The attempt's response head arrived: outlier detection sees it; true when dropped for a retry. */
  onUpstreamResponse(status: number, headers: HeaderSource): boolean {
    const host = this.stream.host;
    host?.outlier?.putHttpStatus(status);
    if (this.retryState === undefined || !this.retryState.onResponse(status, headers, host)) return false;
    this.stream.exchange = undefined;
    return true;
  }

  /** The attempt's connection closed or broke before a response: true when a retry was scheduled. */
  onUpstreamReset(): boolean {
    const host = this.stream.host;
    host?.outlier?.putLocalFailure('reset');
    if (this.retryState === undefined || !this.retryState.onFailure('reset', host)) return false;
    this.stream.exchange = undefined;
    return true;
  }

  /** Whether a failed first attempt on a reused connection may be tried again. */
  canRetryOnFreshConnection(): boolean {
    const s = this.stream;
    return this.attempts < 2 && !s.responseStarted && !s.head.chunked && s.head.contentLength <= 0;
  }

  /** The exchange's reused connection closed before any response byte: try once more. */
  retry(): void {
    this.stream.exchange = undefined;
    this.acquire();
  }

  /** A chunk of request body, kept while a retry may have to resend it, and copied to shadows. */
  keepBody(chunk: Buffer): void {
    this.retryState?.keepBody(chunk);
    this.shadows?.data(chunk);
  }

  /** The downstream request body ended: the shadows end too. */
  requestBodyEnded(trailers: HeaderMap | undefined): void {
    const shadows = this.shadows;
    if (shadows === undefined) return;
    this.shadows = undefined;
    shadows.end(trailers);
  }

  /** The attempt's request is fully sent: the per-try timeout starts. */
  attemptSent(): void {
    this.retryState?.attemptSent();
  }

  /** Stops whatever the upstream side is doing; its connection is not reused. */
  abandonUpstream(): void {
    this.retryState?.cancel();
    this.abortShadows();
    this.abandonAttempt();
  }

  /** The stream ended: no retry timer may fire any more; shadows whose body is incomplete reset. */
  cancel(): void {
    this.retryState?.cancel();
    this.abortShadows();
  }

  private abortShadows(): void {
    const shadows = this.shadows;
    if (shadows === undefined) return;
    this.shadows = undefined;
    shadows.abort();
  }

  /** Stops the current attempt only (a retry may follow). */
  private abandonAttempt(): void {
    if (this.acquireHandle) {
      this.acquireHandle.cancel();
      this.acquireHandle = undefined;
    }
    const ex = this.stream.exchange;
    this.stream.exchange = undefined;
    ex?.abandon();
  }

  private acquire(): void {
    this.attempts++;
    this.acquireState = ACQUIRING;
    const handle = this.stream.host!.pool.acquire(this, this.stream.conn.downstream.worker);
    if (this.acquireState === ACQUIRED_AT_ONCE) {
      // Taken up after acquire returned: the pool is not re-entered from inside its own call.
      const failure = this.syncFailure;
      const conn = this.syncConn;
      this.acquireState = IDLE;
      this.syncFailure = undefined;
      this.syncConn = undefined;
      this.onAcquired(failure, conn);
    } else {
      this.acquireState = IDLE;
      this.acquireHandle = handle;
    }
  }

  /** AcquireHandler: the pool's answer, during acquire() or later. */
  onPoolResult(failure: UpstreamFailure | undefined, conn: UpstreamConnection | undefined): void {
    if (this.acquireState === ACQUIRING) {
      this.acquireState = ACQUIRED_AT_ONCE;
      this.syncFailure = failure;
      this.syncConn = conn;
      return;
    }
    this.acquireHandle = undefined;
    this.onAcquired(failure, conn);
  }

  private onAcquired(failure: UpstreamFailure | undefined, conn: UpstreamConnection | undefined): void {
    const stream = this.stream;
    if (stream.done) {
      if (conn) stream.host!.pool.release(conn, true);
      return;
    }
    if (failure || !conn) {
      this.onAcquireFailed(failure ?? { kind: 'pool_closed', responseFlag: 'UF', message: 'pool closed' });
      return;
    }
    stream.host!.outlier?.putConnectSuccess();
    stream.exchange = new UpstreamExchange(stream, conn, this.upstreamHead());
    // The route timeout is already running (forward() or the request's end started it).
    if (stream.requestEnded) this.retryState?.attemptSent();
  }

  private onAcquireFailed(f: UpstreamFailure): void {
    const stream = this.stream;
    if (f.kind === 'overflow') {
      const extra = new HeaderMap();
      extra.add('x-envoy-overloaded', 'true');
      stream.sendLocalReply(
        503,
        UPSTREAM_RESET_BODY.overflow,
        'upstream_reset_before_response_started{overflow}',
        ResponseFlag.UpstreamOverflow,
        extra,
      );
      return;
    }
    if (f.kind === 'no_healthy_upstream') {
      stream.sendLocalReply(
        503,
        'no healthy upstream',
        'no_healthy_upstream',
        ResponseFlag.NoHealthyUpstream,
      );
      return;
    }
    stream.host!.outlier?.putLocalFailure('connect');
    if (this.retryState?.onFailure('connect', stream.host)) return;
    stream.info.upstreamTransportFailureReason = f.message;
    const body =
      f.kind === 'connect_timeout'
        ? UPSTREAM_RESET_BODY.connectTimeout
        : UPSTREAM_RESET_BODY.connectFailure(f.message);
    stream.sendLocalReply(
      503,
      body,
      'upstream_reset_before_response_started{connection_failure}',
      ResponseFlag.UpstreamConnectionFailure,
    );
  }

  /** The request head for upstream, built once per attempt number (a retry reuses it). */
  private upstreamHead(): string {
    if (this.upstreamHeadText !== undefined && this.upstreamHeadTries === this.tries)
      return this.upstreamHeadText;
    const stream = this.stream;
    const h = stream.headers;
    if (stream.head.upgrade !== '') h.set('connection', 'upgrade');
    else if (stream.head.chunked) h.set('transfer-encoding', 'chunked');
    // What the upstream may expect: the per-try timeout when there is one, else the route's.
    const timeout = this.retryState?.policy.perTryTimeoutMs || this.timeoutMs;
    if (timeout > 0) h.set('x-envoy-expected-rq-timeout-ms', String(timeout));
    // Only when the virtual host asks (include_request_attempt_count, as Istio sets it): 1, 2, …
    if (this.includeAttemptCount) h.set('x-envoy-attempt-count', String(this.tries));
    this.upstreamHeadTries = this.tries;
    // Upstream requests carry Host, not :authority.
    h.set('host', stream.authority);
    this.upstreamHeadText = requestHeadText(stream.method, stream.path, h);
    return this.upstreamHeadText;
  }
}

/** Scratch for upstreamControls (filled and read synchronously, so one object serves all streams). */
const CONTROLS: UpstreamControls = { timeoutMs: 0, policy: undefined };

// One request on a downstream connection, from its head to the end of its response: header edits,
// the route decision, the filters, and the router (terminal filter) that forwards to a pooled
// upstream connection and relays the response back. Bodies stream both ways with backpressure.
import { HeaderMap } from '../headers/index.ts';
import { newStreamInfo, ResponseFlag, type StreamInfo } from '../observe/index.ts';
import {
  type ClusterDecision,
  type CompiledRoute,
  computeHash,
  type FormatContext,
  type MutableRequestHead,
  type RouteDecision,
} from '../router/index.ts';
import type {
  PendingAcquire,
  UpstreamCluster,
  UpstreamConnection,
  UpstreamFailure,
  UpstreamHost,
} from '../upstream/index.ts';
import type { FilterStream, HttpFilter } from './filter.ts';
import {
  honoursEnvoyHeaders,
  type RetryOwner,
  RetryState,
  sendMirrors,
  type UpstreamControls,
  upstreamControls,
} from './filters/index.ts';
import {
  type RequestHead,
  removeHopByHop,
  serializeRequestHead,
  writeChunk,
  writeLastChunk,
} from './h1/index.ts';
import { buildLocalReply, UPSTREAM_RESET_BODY } from './local-reply.ts';
import { mutateRequestHeaders } from './request-headers.ts';
import type { DownstreamConnection, ExchangeOwner } from './stream-types.ts';
import { IdleTimer } from './timers.ts';
import { UpstreamExchange } from './upstream-exchange.ts';

/** Max request body bytes held while the upstream connection is being set up. */
const PENDING_LIMIT = 1024 * 1024;

export class Http1Stream implements FilterStream, MutableRequestHead, ExchangeOwner, RetryOwner {
  readonly conn: DownstreamConnection;
  readonly head: RequestHead;
  readonly info: StreamInfo;
  method: string;
  authority: string;
  path: string;
  readonly scheme: 'http' | 'https';
  readonly headers: HeaderMap;
  readonly sourceIp: string;
  route: CompiledRoute | undefined;
  decision: RouteDecision | undefined;
  cluster: UpstreamCluster | undefined;
  host: UpstreamHost | undefined;
  private filters: readonly HttpFilter[] = [];
  private state: Map<string, unknown> | undefined;
  requestEnded = false;
  requestTrailers: HeaderMap | undefined;
  /** Body received before the upstream connection was ready. */
  pending: Buffer[] | undefined;
  private pendingBytes = 0;
  responseStarted = false;
  done = false;
  private acquireHandle: PendingAcquire | undefined;
  exchange: UpstreamExchange | undefined;
  /** Connections tried: a reused connection that closes before answering is retried once. */
  private attempts = 0;
  private routeTimer: NodeJS.Timeout | undefined;
  /** The route timeout after x-envoy-upstream-rq-timeout-ms (0: none). */
  private timeoutMs = 0;
  /** Retries and per-try timeout, when the route or the request asks for them. */
  private retryState: RetryState | undefined;
  /** Router attempts started (x-envoy-attempt-count). */
  private tries = 0;
  readonly idle: IdleTimer;
  private formatCtx: FormatContext | undefined;

  constructor(conn: DownstreamConnection, head: RequestHead) {
    this.conn = conn;
    this.head = head;
    this.method = head.method;
    this.authority = head.authority;
    this.path = head.path;
    this.headers = head.headers;
    this.scheme = conn.downstream.scheme;
    this.sourceIp = conn.downstream.remoteAddress;
    this.info = newStreamInfo(Date.now());
    this.idle = new IdleTimer(conn.hcm.config.streamIdleTimeoutMs, () => this.onStreamIdle());
  }

  get filterState(): Map<string, unknown> {
    if (this.state === undefined) this.state = new Map();
    return this.state;
  }

  formatContext(): FormatContext {
    let ctx = this.formatCtx;
    if (ctx === undefined) {
      const d = this.conn.downstream;
      ctx = this.formatCtx = {
        downstreamRemoteAddress: d.remoteAddress.includes(':')
          ? `[${d.remoteAddress}]:${d.remotePort}`
          : `${d.remoteAddress}:${d.remotePort}`,
        protocol: this.head.versionMinor === 1 ? 'HTTP/1.1' : 'HTTP/1.0',
        startTimeMs: this.info.startTimeMs,
      };
    }
    if (this.host) {
      ctx.upstreamRemoteAddress = this.host.addressText;
      ctx.upstreamHostname = this.host.hostname || this.host.address.host;
    }
    return ctx;
  }

  /** Request head parsed; `endStream` when it has no body. */
  start(endStream: boolean): void {
    const hcm = this.conn.hcm;
    const s = hcm.stats;
    s.downstreamRqTotal.inc();
    s.downstreamRqHttp1Total.inc();
    s.downstreamRqActive.inc();
    const info = this.info;
    info.protocol = this.head.versionMinor === 1 ? 'HTTP/1.1' : 'HTTP/1.0';
    info.method = this.method;
    info.scheme = this.scheme;
    info.requestHeaders = this.headers;
    info.downstreamRemoteAddress = this.formatContext().downstreamRemoteAddress;
    info.downstreamLocalAddress = this.conn.downstream.localAddress;
    info.requestedServerName = this.conn.downstream.requestedServerName;
    removeHopByHop(this.headers, this.head.upgrade !== '');
    mutateRequestHeaders(this.headers, hcm.config, this.sourceIp, this.scheme);
    if (endStream) this.requestEnded = true;
    if (hcm.config.requestTimeoutMs > 0 && !endStream) {
      this.routeTimer = setTimeout(() => this.onRequestTimeout(), hcm.config.requestTimeoutMs);
      this.routeTimer.unref();
    }
    const table = hcm.routeTable;
    const decision: RouteDecision = table ? table.route(this, Math.random()) : { kind: 'no_route' };
    this.decision = decision;
    if (decision.kind !== 'no_route') {
      this.route = decision.route;
      info.routeName = decision.route.name;
      this.filters = hcm.filtersFor(decision.route);
      for (const f of this.filters) {
        if (f.onRequestHeaders && f.onRequestHeaders(this, this, endStream) === 'stop') return;
        if (this.done) return;
      }
    }
    this.continueDecoding();
  }

  /** Runs the router: a local answer, or forwarding to the route's cluster. */
  continueDecoding(): void {
    if (this.done || this.exchange || this.acquireHandle) return;
    const hcm = this.conn.hcm;
    const s = hcm.stats;
    const decision = this.decision!;
    s.rqTotal.inc();
    switch (decision.kind) {
      case 'no_route':
        s.noRoute.inc();
        {
          this.sendLocalReply(404, '', 'route_not_found', ResponseFlag.NoRouteFound);
          return;
        }
      case 'direct_response':
        s.rqDirectResponse.inc();
        {
          this.sendLocalReply(decision.status, decision.body ?? '', 'direct_response', 0);
          return;
        }
      case 'redirect': {
        s.rqRedirect.inc();
        const extra = new HeaderMap();
        extra.add('location', decision.location);
        this.sendLocalReply(decision.status, '', 'via_redirect', 0, extra);
        return;
      }
      case 'no_cluster':
        s.noCluster.inc();
        {
          this.sendLocalReply(503, '', 'cluster_not_found', ResponseFlag.NoClusterFound);
          return;
        }
      case 'cluster': {
        this.forward(decision);
        return;
      }
    }
  }

  private forward(decision: ClusterDecision): void {
    const cluster = this.conn.hcm.clusters.get(decision.clusterName);
    this.info.upstreamCluster = decision.clusterName;
    if (!cluster) {
      this.conn.hcm.stats.noCluster.inc();
      this.sendLocalReply(503, '', 'cluster_not_found', ResponseFlag.NoClusterFound);
      return;
    }
    this.cluster = cluster;
    if (this.head.upgrade !== '') {
      const up = this.head.upgrade;
      if (!decision.route.upgrades.includes(up) && !this.conn.hcm.config.upgrades.includes(up)) {
        this.sendLocalReply(403, '', 'upgrade_failed', 0);
        return;
      }
    }
    const controls = CONTROLS;
    upstreamControls(
      decision.route.timeoutMs,
      decision.route.retryPolicy,
      this.headers,
      honoursEnvoyHeaders(this.conn.hcm.config.useRemoteAddress, this.sourceIp),
      controls,
    );
    this.timeoutMs = controls.timeoutMs;
    if (controls.policy !== undefined) {
      const rs = (this.retryState = new RetryState(controls.policy, this, cluster, !this.requestEnded));
      controls.policy = undefined;
      // Body that arrived while a filter held the request (a fault delay) is kept too.
      if (this.pending !== undefined) for (const chunk of this.pending) rs.keepBody(chunk);
    }
    // RING_HASH / MAGLEV need the request's hash (the route's hash_policy); others ignore it.
    const policies = decision.route.hashPolicies;
    const hash = policies.length > 0 ? computeHash(policies, this) : undefined;
    const host = cluster.chooseHost(hash === undefined ? undefined : { hash: mix64(hash) });
    if (!host) {
      // chooseHost counted upstream_cx_none_healthy.
      this.sendLocalReply(503, 'no healthy upstream', 'no_healthy_upstream', ResponseFlag.NoHealthyUpstream);
      return;
    }
    this.host = host;
    this.info.upstreamHost = host.addressText;
    // max_requests is the pool's to apply (pool.acquire): taking it here too counted every
    // request twice, so max_requests: 1 refused every request.
    decision.route.applyToRequest(this, decision, this.formatContext());
    this.info.path = this.path;
    this.info.authority = this.authority;
    // Shadows go out first and on their own: the main request never waits for them.
    if (decision.route.mirrors.length > 0 && this.requestEnded && this.head.upgrade === '')
      sendMirrors(decision.route.mirrors, this.conn.hcm.clusters, this, this.timeoutMs);
    this.tries = 1;
    this.acquire();
  }

  /** RetryOwner: the next attempt after a back-off, on another host when previous_hosts asks. */
  startNextAttempt(): void {
    const rs = this.retryState!;
    const host = this.cluster!.chooseHost(rs.excludedHosts ? { exclude: rs.excludedHosts } : undefined);
    if (!host) {
      this.sendLocalReply(503, 'no healthy upstream', 'no_healthy_upstream', ResponseFlag.NoHealthyUpstream);
      return;
    }
    this.host = host;
    this.info.upstreamHost = host.addressText;
    // The body so far is in rs.body (whatever arrived during the back-off included).
    if (rs.body !== undefined) {
      this.pending = rs.body.slice();
      this.pendingBytes = 0;
    }
    this.tries++;
    this.attempts = 0;
    this.acquire();
  }

  /** RetryOwner: the attempt ran past its per-try timeout; retry it or answer 504. */
  onPerTryTimeout(): void {
    this.cluster!.stats.upstreamRqPerTryTimeout.inc();
    const host = this.host;
    if (host) {
      host.stats.rqTimeout++;
      host.outlier?.putLocalFailure('timeout');
    }
    this.abandonAttempt();
    if (this.retryState!.onFailure('timeout', host)) return;
    this.sendLocalReply(
      504,
      'upstream request timeout',
      'upstream_per_try_timeout',
      ResponseFlag.UpstreamRequestTimeout,
    );
  }

  /** The attempt's response head arrived: outlier detection sees it; true when dropped for a retry. */
  onUpstreamResponse(status: number, headers: HeaderMap): boolean {
    const host = this.host;
    host?.outlier?.putHttpStatus(status);
    if (this.retryState === undefined || !this.retryState.onResponse(status, headers, host)) return false;
    this.exchange = undefined;
    return true;
  }

  /** The attempt's connection closed or broke before a response: true when a retry was scheduled. */
  onUpstreamReset(): boolean {
    const host = this.host;
    host?.outlier?.putLocalFailure('reset');
    if (this.retryState === undefined || !this.retryState.onFailure('reset', host)) return false;
    this.exchange = undefined;
    return true;
  }

  private acquire(): void {
    this.attempts++;
    let sync = true;
    let syncResult: [UpstreamFailure | undefined, UpstreamConnection | undefined] | undefined;
    const handle = this.host!.pool.acquire((failure, conn) => {
      if (sync) syncResult = [failure, conn];
      else {
        this.acquireHandle = undefined;
        this.onAcquired(failure, conn);
      }
    });
    sync = false;
    if (syncResult) this.onAcquired(syncResult[0], syncResult[1]);
    else this.acquireHandle = handle;
  }

  private onAcquired(failure: UpstreamFailure | undefined, conn: UpstreamConnection | undefined): void {
    if (this.done) {
      if (conn) this.host!.pool.release(conn, true);
      return;
    }
    if (failure || !conn) {
      const f = failure ?? { kind: 'pool_closed', responseFlag: 'UF', message: 'pool closed' };
      if (f.kind === 'overflow') {
        const extra = new HeaderMap();
        extra.add('x-envoy-overloaded', 'true');
        this.sendLocalReply(
          503,
          UPSTREAM_RESET_BODY.overflow,
          'upstream_reset_before_response_started{overflow}',
          ResponseFlag.UpstreamOverflow,
          extra,
        );
        return;
      }
      if (f.kind === 'no_healthy_upstream') {
        this.sendLocalReply(
          503,
          'no healthy upstream',
          'no_healthy_upstream',
          ResponseFlag.NoHealthyUpstream,
        );
        return;
      }
      this.host!.outlier?.putLocalFailure('connect');
      if (this.retryState?.onFailure('connect', this.host)) return;
      this.info.upstreamTransportFailureReason = f.message;
      const body =
        f.kind === 'connect_timeout'
          ? UPSTREAM_RESET_BODY.connectTimeout
          : UPSTREAM_RESET_BODY.connectFailure(f.message);
      this.sendLocalReply(
        503,
        body,
        'upstream_reset_before_response_started{connection_failure}',
        ResponseFlag.UpstreamConnectionFailure,
      );
      return;
    }
    this.exchange = new UpstreamExchange(this, conn, this.upstreamHead());
    if (this.requestEnded) {
      this.startRouteTimer();
      this.retryState?.attemptSent();
    }
  }

  private upstreamHeadText: string | undefined;
  private upstreamHeadTries = 0;

  /** The request head for upstream, built once (a retry reuses it). */
  private upstreamHead(): string {
    if (this.upstreamHeadText !== undefined && this.upstreamHeadTries === this.tries)
      return this.upstreamHeadText;
    const h = this.headers;
    if (this.head.upgrade !== '') h.set('connection', 'upgrade');
    else if (this.head.chunked) h.set('transfer-encoding', 'chunked');
    // What the upstream may expect: the per-try timeout when there is one, else the route's.
    const timeout = this.retryState?.policy.perTryTimeoutMs || this.timeoutMs;
    if (timeout > 0) h.set('x-envoy-expected-rq-timeout-ms', String(timeout));
    // As Istio configures Envoy (include_request_attempt_count): 1, then 2, … on retries.
    h.set('x-envoy-attempt-count', String(this.tries));
    this.upstreamHeadTries = this.tries;
    // Upstream requests carry Host, not :authority.
    h.set('host', this.authority);
    this.upstreamHeadText = serializeRequestHead(this.method, this.path, h);
    return this.upstreamHeadText;
  }

  /** Whether a failed first attempt on a reused connection may be tried again. */
  canRetryOnFreshConnection(): boolean {
    return this.attempts < 2 && !this.responseStarted && !this.head.chunked && this.head.contentLength <= 0;
  }

  /** The exchange's reused connection closed before any response byte: try once more. */
  retry(): void {
    this.exchange = undefined;
    this.acquire();
  }

  /** A chunk of request body from the downstream codec. */
  onRequestData(chunk: Buffer): void {
    if (this.done) return;
    this.idle.touch();
    this.info.bytesReceived += chunk.length;
    for (const f of this.filters) f.onRequestData?.(this, chunk, false);
    this.retryState?.keepBody(chunk);
    const ex = this.exchange;
    if (ex) {
      if (!ex.writeRequestBody(chunk)) this.conn.socket.pause();
      return;
    }
    (this.pending ??= []).push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes > PENDING_LIMIT) this.conn.socket.pause();
  }

  /** Hands buffered body to a just-connected upstream; returns false if the upstream is full. */
  takePending(): Buffer[] | undefined {
    const p = this.pending;
    this.pending = undefined;
    this.pendingBytes = 0;
    if (p && !this.conn.socket.destroyed) this.conn.socket.resume();
    return p;
  }

  onRequestEnd(trailers: HeaderMap | undefined): void {
    if (this.done) return;
    this.requestEnded = true;
    this.requestTrailers = trailers;
    this.info.lastDownstreamRxByteMs = Date.now() - this.info.startTimeMs;
    if (this.routeTimer !== undefined && this.conn.hcm.config.requestTimeoutMs > 0) {
      clearTimeout(this.routeTimer);
      this.routeTimer = undefined;
    }
    for (const f of this.filters) f.onRequestData?.(this, EMPTY, true);
    if (this.exchange) {
      this.exchange.endRequestBody(trailers);
      this.startRouteTimer();
      this.retryState?.attemptSent();
    }
  }

  onUpgradeData(data: Buffer): void {
    this.exchange?.writeUpgradeData(data);
  }

  private startRouteTimer(): void {
    const ms = this.timeoutMs;
    if (ms <= 0 || this.routeTimer !== undefined || this.head.upgrade !== '') return;
    this.routeTimer = setTimeout(() => this.onRouteTimeout(), ms);
    this.routeTimer.unref();
  }

  private onRouteTimeout(): void {
    this.routeTimer = undefined;
    if (this.done) return;
    this.cluster?.stats.upstreamRqTimeout.inc();
    if (this.host) this.host.stats.rqTimeout++;
    if (this.exchange && !this.responseStarted) this.host?.outlier?.putLocalFailure('timeout');
    this.abandonUpstream();
    if (this.responseStarted) {
      this.reset(ResponseFlag.UpstreamRequestTimeout);
      return;
    }
    this.sendLocalReply(
      504,
      'upstream request timeout',
      'upstream_response_timeout',
      ResponseFlag.UpstreamRequestTimeout,
    );
  }

  private onRequestTimeout(): void {
    this.routeTimer = undefined;
    if (this.done || this.requestEnded) return;
    this.conn.hcm.stats.downstreamRqTimeout.inc();
    this.abandonUpstream();
    if (this.responseStarted) {
      this.reset(0);
      return;
    }
    this.conn.closeAfterResponse = true;
    this.sendLocalReply(408, 'request timeout', 'request_overall_timeout', 0);
  }

  private onStreamIdle(): void {
    if (this.done) return;
    this.conn.hcm.stats.downstreamRqIdleTimeout.inc();
    this.abandonUpstream();
    if (this.responseStarted) {
      this.reset(ResponseFlag.StreamIdleTimeout);
      return;
    }
    this.conn.closeAfterResponse = true;
    this.sendLocalReply(408, 'stream timeout', 'stream_idle_timeout', ResponseFlag.StreamIdleTimeout);
  }

  /** Stops whatever the upstream side is doing; its connection is not reused. */
  abandonUpstream(): void {
    this.retryState?.cancel();
    this.abandonAttempt();
  }

  /** Stops the current attempt only (a retry may follow). */
  private abandonAttempt(): void {
    if (this.acquireHandle) {
      this.acquireHandle.cancel();
      this.acquireHandle = undefined;
    }
    const ex = this.exchange;
    this.exchange = undefined;
    ex?.abandon();
  }

  /** A local answer (Envoy's sendLocalReply). After a response started, the stream is reset. */
  sendLocalReply(
    status: number,
    body: string,
    details: string,
    responseFlags: number,
    extra?: HeaderMap,
  ): void {
    if (this.done) return;
    if (this.responseStarted) {
      this.reset(responseFlags);
      return;
    }
    this.abandonUpstream();
    this.info.responseFlags |= responseFlags;
    this.info.responseCodeDetails = details;
    const close = !this.head.keepAlive || !this.requestEnded || this.conn.closeAfterResponse;
    if (close) this.conn.closeAfterResponse = true;
    let headers = extra;
    if (this.route && this.decision && this.decision.kind !== 'no_route') {
      headers ??= new HeaderMap();
      this.route.applyToResponse(headers, this, this.decision, this.formatContext());
    }
    const text = buildLocalReply(
      status,
      body,
      this.conn.hcm.config.serverName,
      close,
      headers,
      this.method === 'HEAD',
    );
    this.responseStarted = true;
    this.recordResponseCode(status);
    this.info.bytesSent += Buffer.byteLength(body);
    if (this.conn.socket.writable) this.conn.socket.write(text, 'utf8');
    this.complete();
  }

  recordResponseCode(status: number): void {
    this.info.responseCode = status;
    const cls = (status / 100) | 0;
    if (cls >= 1 && cls <= 5) {
      const s = this.conn.hcm.stats;
      s.downstreamRqByClass[cls - 1]!.inc();
      const l = s.listenerRqByClass;
      if (l !== undefined) l[cls - 1]!.inc();
    }
  }

  /** Ends the stream abruptly: the downstream connection is closed (Envoy's stream reset on HTTP/1). */
  reset(responseFlags: number): void {
    if (this.done) return;
    this.info.responseFlags |= responseFlags;
    this.abandonUpstream();
    this.conn.destroy();
    this.complete();
  }

  onDownstreamClosed(flag: number): void {
    if (this.done) return;
    this.info.responseFlags |= flag;
    this.abandonUpstream();
    this.complete();
  }

  /** Malformed request body framing: 400 if nothing was sent yet (as Envoy does), else a reset. */
  onDownstreamProtocolError(): void {
    this.conn.closeAfterResponse = true;
    this.sendLocalReply(400, 'Bad Request', 'http1.codec_error', ResponseFlag.DownstreamProtocolError);
  }

  /** Response fully sent (or the stream ended otherwise): stats, logs, next request. */
  complete(): void {
    if (this.done) return;
    this.done = true;
    this.idle.clear();
    if (this.routeTimer !== undefined) clearTimeout(this.routeTimer);
    this.retryState?.cancel();
    const s = this.conn.hcm.stats;
    s.downstreamRqActive.dec();
    s.downstreamRqCompleted.inc();
    const info = this.info;
    info.durationMs = Date.now() - info.startTimeMs;
    info.path ??= this.path;
    info.authority ??= this.authority;
    for (const log of this.conn.hcm.accessLogs) log.log(info);
    this.conn.onStreamComplete(this, this.requestEnded);
  }

  /** Frames response body for the downstream (chunked when re-encoding). */
  writeDownstream(chunk: Buffer, chunked: boolean): boolean {
    this.info.bytesSent += chunk.length;
    this.idle.touch();
    for (let i = this.filters.length - 1; i >= 0; i--) this.filters[i]!.onResponseData?.(this, chunk, false);
    const socket = this.conn.socket;
    if (!chunked) return socket.write(chunk);
    socket.cork();
    const ok = writeChunk(socket, chunk);
    socket.uncork();
    return ok;
  }

  endDownstream(chunked: boolean, trailers: HeaderMap | undefined): void {
    for (let i = this.filters.length - 1; i >= 0; i--) this.filters[i]!.onResponseData?.(this, EMPTY, true);
    if (chunked) writeLastChunk(this.conn.socket, trailers);
  }

  runResponseHeaderFilters(status: number, headers: HeaderMap, endStream: boolean): number {
    if (this.filters.length === 0) return status;
    const view = { status, headers };
    for (let i = this.filters.length - 1; i >= 0; i--)
      this.filters[i]!.onResponseHeaders?.(this, view, endStream);
    return view.status;
  }
}

const EMPTY = Buffer.alloc(0);
/** Scratch for upstreamControls (filled and read synchronously, so one object serves all streams). */
const CONTROLS: UpstreamControls = { timeoutMs: 0, policy: undefined };

const M64 = 0xffffffffffffffffn;
/**
 * Spreads a request hash over the whole 64-bit ring (MurmurHash3's fmix64). The router's FNV-1a
 * hashes of similar keys ('user-1', 'user-2') share their top bits, so on a ring they all fell
 * on one host; after mixing, equal keys still map to equal hosts.
 */
function mix64(h: bigint): bigint {
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & M64;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & M64;
  return h ^ (h >> 33n);
}

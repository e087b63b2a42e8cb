// One request on a downstream connection, from its head to the end of its response: header edits,
// the route decision, the filters, and the router (terminal filter) that forwards to a pooled
// upstream connection and relays the response back. Bodies stream both ways with backpressure.
import { Buffer } from 'node:buffer';
import { wallNow } from '../event-clock/index.ts';
import type { HeaderMap, HeaderSource } from '../headers/index.ts';
import { newStreamInfo, ResponseFlag, type StreamInfo } from '../observe/index.ts';
import type { CompiledRoute, FormatContext, RouteDecision } from '../router/index.ts';
import { writeHead, writeHeadBytes } from '../socket-write/index.ts';
import type { UpstreamCluster, UpstreamHost } from '../upstream/index.ts';
import { answerConnect } from './connect.ts';
import type { FilterStream, HttpFilter } from './filter.ts';
import {
  BODY_WITH_HEAD_MAX,
  headWithBody,
  type RequestHead,
  removeHopByHop,
  SentHead,
  writeChunk,
  writeLastChunk,
} from './h1/index.ts';
import { PATH_NORMALIZATION_FAILED, preparePath } from './path-normalize.ts';
import { mutateRequestHeaders } from './request-headers.ts';
import { type RoutedStream, RouterRequest } from './router-request.ts';
import {
  answerLocalDecision,
  countResponseClass,
  recordResponseCode,
  sendStreamLocalReply,
} from './stream-reply.ts';
import { type DownstreamConnection, ResponseHooks } from './stream-types.ts';
import { type Deadline, type IdleTimer, isScheduled, schedule, unschedule } from './timers.ts';
import type { UpstreamExchange } from './upstream-exchange.ts';

/** Max request body bytes held while the upstream connection is being set up. */
const PENDING_LIMIT = 1024 * 1024;

export class Http1Stream implements FilterStream, RoutedStream {
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
  exchange: UpstreamExchange | undefined;
  /** The router's state once the request is forwarded (attempts, retries, the route timeout). */
  private router: RouterRequest | undefined;
  /**
   * The request timeout (until the request ends), then the route timeout: the connection's
   * deadline (one stream at a time), whose expiry calls this stream's onDeadline.
   */
  private readonly deadline: Deadline;
  /** Whether the stream's deadline is the route timeout (else the request timeout). */
  private routeTimerIsRoute = false;
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
    this.info = newStreamInfo(wallNow());
    this.idle = conn.streamIdleTimer(conn.hcm.config.streamIdleTimeoutMs);
    this.deadline = conn.streamDeadline;
  }

  get filterState(): Map<string, unknown> {
    if (this.state === undefined) this.state = new Map();
    return this.state;
  }

  formatContext(): FormatContext {
    let ctx = this.formatCtx;
    if (ctx === undefined) {
      // Every field present from the start: one shape for all streams' contexts.
      ctx = this.formatCtx = {
        downstreamRemoteAddress: this.conn.downstream.remoteAddressText,
        upstreamRemoteAddress: undefined,
        upstreamHostname: undefined,
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
    info.downstreamRemoteAddress = this.conn.downstream.remoteAddressText;
    info.downstreamLocalAddress = this.conn.downstream.localAddress;
    info.requestedServerName = this.conn.downstream.requestedServerName;
    removeHopByHop(this.headers, this.head.upgrade !== '');
    if (this.head.expectContinue && !hcm.config.proxy100Continue) this.answerContinue();
    mutateRequestHeaders(this.headers, hcm.config, this.sourceIp, this.scheme);
    if (endStream) this.requestEnded = true;
    if (hcm.config.requestTimeoutMs > 0 && !endStream) {
      this.routeTimerIsRoute = false;
      schedule(this.deadline, hcm.config.requestTimeoutMs);
    }
    const table = hcm.routeTable;
    if (this.method === 'CONNECT') {
      answerConnect(this, table);
      return;
    }
    // Before filters and routing, as Envoy's connection manager: normalize_path, merge_slashes,
    // and a path with a fragment refused.
    const path = preparePath(this.path, hcm.config.normalizePath, hcm.config.mergeSlashes);
    if (path === undefined) {
      s.downstreamRqFailedPathNormalization.inc();
      this.sendLocalReply(400, '', PATH_NORMALIZATION_FAILED, 0);
      return;
    }
    this.path = path;
    const decision: RouteDecision = table
      ? table.route(this, Math.random(), this.conn.hostMemo)
      : { kind: 'no_route' };
    this.decision = decision;
    if (decision.kind !== 'no_route') {
      this.route = decision.route;
      info.routeName = decision.route.name;
      // The route's idle_timeout replaces stream_idle_timeout for this stream (Envoy's router).
      const idleMs = decision.route.idleTimeoutMs;
      if (idleMs !== undefined) this.idle.changeTimeout(idleMs);
      this.filters = hcm.filtersFor(decision.route);
      for (const f of this.filters) {
        if (f.onRequestHeaders && f.onRequestHeaders(this, this, endStream) === 'stop') return;
        if (this.done) return;
      }
    }
    this.continueDecoding();
  }

  /**
   * Envoy without proxy_100_continue: the client's `Expect: 100-continue` is answered here, before
   * routing and filters, and not sent upstream (so the upstream sends no 100 to relay). It counts
   * as a 1xx response of the connection manager.
   */
  private answerContinue(): void {
    this.headers.remove('expect');
    writeHead(this.conn.socket, CONTINUE);
    countResponseClass(this.conn.hcm.stats, 100);
  }

  /** Runs the router: a local answer, or forwarding to the route's cluster. */
  continueDecoding(): void {
    if (this.done || this.router !== undefined) return;
    const decision = this.decision!;
    this.conn.hcm.stats.rqTotal.inc();
    if (decision.kind !== 'cluster') {
      answerLocalDecision(this, decision);
      return;
    }
    this.router = new RouterRequest(this);
    this.router.forward(decision);
  }

  /** ExchangeOwner: the attempt's response head; true when dropped for a retry. */
  onUpstreamResponse(status: number, headers: HeaderSource): boolean {
    return this.router!.onUpstreamResponse(status, headers);
  }

  /** ExchangeOwner: the attempt broke before a response; true when a retry was scheduled. */
  onUpstreamReset(): boolean {
    return this.router!.onUpstreamReset();
  }

  canRetryOnFreshConnection(): boolean {
    return this.router!.canRetryOnFreshConnection();
  }

  retry(): void {
    this.router!.retry();
  }

  replacePending(chunks: Buffer[]): void {
    this.pending = chunks;
    this.pendingBytes = 0;
  }

  /** A chunk of request body from the downstream codec. */
  onRequestData(chunk: Buffer): void {
    if (this.done) return;
    this.idle.touch();
    this.info.bytesReceived += chunk.length;
    for (const f of this.filters) f.onRequestData?.(this, chunk, false);
    this.router?.keepBody(chunk);
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
    this.info.lastDownstreamRxByteMs = wallNow() - this.info.startTimeMs;
    if (!this.routeTimerIsRoute) unschedule(this.deadline);
    for (const f of this.filters) f.onRequestData?.(this, EMPTY, true);
    this.router?.requestBodyEnded(trailers);
    if (this.exchange) {
      this.exchange.endRequestBody(trailers);
      this.router?.attemptSent();
    }
    // Waiting for an upstream connection counts too (Envoy's router starts it on request end).
    this.startRouteTimer();
  }

  onUpgradeData(data: Buffer): void {
    this.exchange?.writeUpgradeData(data);
  }

  /**
   * The route timeout (with x-envoy-upstream-rq-timeout-ms) runs from the moment the router has
   * the whole request, as Envoy's: a wait for a pooled connection is inside it.
   */
  startRouteTimer(): void {
    const ms = this.router?.timeoutMs ?? 0;
    if (ms <= 0 || this.head.upgrade !== '') return;
    if (isScheduled(this.deadline)) return;
    this.routeTimerIsRoute = true;
    schedule(this.deadline, ms);
  }

  /** The request or route timeout passed. */
  onDeadline(): void {
    if (this.routeTimerIsRoute) this.onRouteTimeout();
    else this.onRequestTimeout();
  }

  private onRouteTimeout(): void {
    if (this.done) return;
    this.cluster?.stats.upstreamRqTimeout.inc();
    // While still waiting for a pooled connection no host has the request yet (Envoy's
    // upstreamHost() is unset until the pool is ready): neither its stats nor its outlier count.
    if (this.exchange !== undefined && this.host !== undefined) {
      this.host.stats.rqTimeout++;
      if (!this.responseStarted) this.host.outlier?.putLocalFailure('timeout');
    }
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

  /** The stream idle timeout passed. */
  onIdleTimeout(): void {
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
    this.router?.abandonUpstream();
  }

  /** A local answer (Envoy's sendLocalReply). After a response started, the stream is reset. */
  sendLocalReply(
    status: number,
    body: string,
    details: string,
    responseFlags: number,
    extra?: HeaderMap,
  ): void {
    sendStreamLocalReply(this, status, body, details, responseFlags, extra);
  }

  recordResponseCode(status: number): void {
    recordResponseCode(this, status);
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
    // The idle timer is the connection's: left running, it runs out quietly if no stream follows.
    unschedule(this.deadline);
    this.router?.cancel();
    const s = this.conn.hcm.stats;
    s.downstreamRqActive.dec();
    s.downstreamRqCompleted.inc();
    const info = this.info;
    info.durationMs = wallNow() - info.startTimeMs;
    info.path ??= this.path;
    info.authority ??= this.authority;
    for (const log of this.conn.hcm.accessLogs) log.log(info);
    this.conn.onStreamComplete(this, this.requestEnded);
  }

  /**
   * Frames response body for the downstream (chunked when re-encoding). `head`: the response head
   * not written yet, sent with a small first chunk in one socket write. `chunk` may be a view of
   * the shared read buffer: a write that could keep it gets a copy (a head merged with a small
   * chunk is a new string and needs none).
   */
  writeDownstream(chunk: Buffer, chunked: boolean, head?: string | SentHead): boolean {
    this.info.bytesSent += chunk.length;
    this.idle.touch();
    for (let i = this.filters.length - 1; i >= 0; i--) this.filters[i]!.onResponseData?.(this, chunk, false);
    const socket = this.conn.socket;
    if (head instanceof SentHead) {
      const merged = head.withBody(chunk, chunked);
      if (merged !== undefined) return writeHeadBytes(socket, merged);
      writeHeadBytes(socket, head.head());
    } else if (head !== undefined) {
      if (chunk.length <= BODY_WITH_HEAD_MAX) return writeHead(socket, headWithBody(head, chunk, chunked));
      writeHead(socket, head);
    }
    const owned = Buffer.from(chunk);
    if (!chunked) return socket.write(owned);
    socket.cork();
    const ok = writeChunk(socket, owned);
    socket.uncork();
    return ok;
  }

  endDownstream(chunked: boolean, trailers: HeaderMap | undefined): void {
    for (let i = this.filters.length - 1; i >= 0; i--) this.filters[i]!.onResponseData?.(this, EMPTY, true);
    if (chunked) writeLastChunk(this.conn.socket, trailers);
  }

  responseFilterHooks(): number {
    let hooks = 0;
    const filters = this.filters;
    for (let i = 0; i < filters.length; i++) {
      const f = filters[i]!;
      if (f.onResponseHeaders !== undefined) hooks |= ResponseHooks.headers;
      if (f.onResponseData !== undefined) hooks |= ResponseHooks.data;
    }
    return hooks;
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
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

// One downstream HTTP/1.1 connection: reads bytes, parses request heads and bodies with the h1
// codec, runs one stream at a time (pipelined requests wait, buffered, so responses go out in
// order), and enforces the connection-level timeouts. The stream (stream.ts) does the proxying.
import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { ResponseFlag } from '../observe/index.ts';
import type { VirtualHostMemo } from '../router/index.ts';
import { READ_BUFFER, readInto } from '../socket-read/index.ts';
import { flushHeldWrites } from '../socket-write/index.ts';
import { relayTunnel, tunnelCarriesTls } from './connect.ts';
import { BodyDecoder, parseRequestHead, type RequestHead } from './h1/index.ts';
import type { CompiledHcm, HcmProvider } from './hcm-config.ts';
import { sendLocalReplyRaw } from './local-reply.ts';
import { Http1Stream } from './stream.ts';
import type { DownstreamConnection, DownstreamInfo } from './stream-types.ts';
import { type Deadline, IdleTimer, unschedule } from './timers.ts';

const enum_ = { head: 0, body: 1, waiting: 2, upgraded: 3, closed: 4 } as const;

export class Http1Connection implements DownstreamConnection {
  readonly socket: Socket;
  /**
   * The HCM of the current (or last) request, taken from the provider when the request starts.
   * HTTP/1 runs one stream at a time, so this is always the one the running stream started on:
   * an update lands on the next request, never on one in flight.
   */
  hcm: CompiledHcm;
  private readonly provider: HcmProvider;
  readonly downstream: DownstreamInfo;
  private buf: Buffer | undefined;
  /** Bytes of buf already searched for the end of a request head (not searched again). */
  private headScanned = 0;
  private state: number = enum_.head;
  stream: Http1Stream | undefined;
  private decoder: BodyDecoder | undefined;
  private headerTimer: NodeJS.Timeout | undefined;
  /** The connection idle timeout (idle_timeout): reads and finished streams count as activity. */
  private readonly idle: IdleTimer;
  /**
   * The streams' idle timer (stream_idle_timeout), one per connection: HTTP/1 runs one stream at a
   * time, so each stream restarts it instead of making and scheduling its own (an allocation and
   * two writes of a young object into the long-lived timer wheel per request). Made on first use.
   */
  private streamIdle: IdleTimer | undefined;
  /** The streams' request/route timeout entry (see DownstreamConnection.streamDeadline). */
  readonly streamDeadline: Deadline = new StreamDeadline(this);
  /** Set by the stream when the connection must close once the current response is out. */
  closeAfterResponse = false;
  readonly hostMemo: VirtualHostMemo = { table: undefined, authority: '', found: undefined };
  /** After a CONNECT was accepted (connect.ts): its authority, the Host of requests without one. */
  tunnelAuthority = '';
  /** Set when a tunnel begins: its first bytes decide whether they are HTTP or relayed as TCP. */
  private tunnelFresh = false;
  /** Where a TCP-relayed tunnel's bytes go (connect.ts relayTunnel). */
  private relaySink: ((data: Buffer) => void) | undefined;
  /** Reads arrive as views of the shared read buffer (socket-read): kept bytes must be copied. */
  private readonly sharedReads: boolean;
  private readonly onRequestData = (chunk: Buffer) => this.stream?.onRequestData(chunk);

  constructor(socket: Socket, provider: HcmProvider, downstream: DownstreamInfo, initial?: Buffer) {
    this.socket = socket;
    this.provider = provider;
    const hcm = provider.current;
    this.hcm = hcm;
    this.downstream = downstream;
    const s = hcm.stats;
    s.downstreamCxTotal.inc();
    s.downstreamCxActive.inc();
    s.downstreamCxHttp1Total.inc();
    s.downstreamCxHttp1Active.inc();
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => this.onClose());
    socket.on('drain', () => this.stream?.exchange?.onDownstreamDrain());
    this.idle = new IdleTimer(hcm.config.idleTimeoutMs, this);
    // request_headers_timeout runs from a request's first byte (process() arms it), not from the
    // accept: a connection opened ahead of its first request is the idle timeout's business.
    // The bytes a listener peeked at come first, then whatever the socket buffered since (readInto
    // delivers that before switching to the shared buffer), then every further read; all of it
    // once the connection is fully set up.
    if (initial && initial.length > 0) this.onData(initial);
    this.sharedReads = readInto(socket, (chunk) => this.onData(chunk));
  }

  private armHeaderTimer(): void {
    const ms = this.hcm.config.requestHeadersTimeoutMs;
    if (ms > 0 && this.headerTimer === undefined) {
      this.headerTimer = setTimeout(() => this.onHeaderTimeout(), ms);
      this.headerTimer.unref();
    }
  }

  private clearHeaderTimer(): void {
    if (this.headerTimer !== undefined) {
      clearTimeout(this.headerTimer);
      this.headerTimer = undefined;
    }
  }

  private onHeaderTimeout(): void {
    this.headerTimer = undefined;
    if (this.state !== enum_.head || this.stream) return;
    this.hcm.stats.downstreamRqHeaderTimeout.inc();
    // Envoy answers 408 only if some bytes of a request arrived; an idle keep-alive just closes.
    if (this.buf && this.buf.length > 0) {
      sendLocalReplyRaw(this, 408, 'request header timeout');
    }
    this.destroy();
  }

  streamIdleTimer(ms: number): IdleTimer {
    let t = this.streamIdle;
    if (t === undefined) {
      t = this.streamIdle = new IdleTimer(ms, {
        // Between streams the timer runs out on its own: nothing to time out then.
        onIdleTimeout: () => this.stream?.onIdleTimeout(),
      });
    } else t.restartWith(ms);
    return t;
  }

  /** IdleOwner: no reads and no finished stream for idle_timeout. */
  onIdleTimeout(): void {
    if (this.state === enum_.upgraded || this.state === enum_.closed) return;
    // The connection is idle only with no stream open.
    if (this.stream) {
      this.idle.restart();
      return;
    }
    this.hcm.stats.downstreamCxIdleTimeout.inc();
    this.socket.end();
  }

  private onData(chunk: Buffer): void {
    if (this.state === enum_.closed) return;
    this.idle.touch();
    this.buf = this.buf === undefined || this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.process();
    // A partial head or bytes held for a later request outlive this read.
    if (this.buf !== undefined) this.buf = this.owned(this.buf);
  }

  /**
   * `buf` itself, or a copy when it is a view of the shared read buffer. A head is parsed into
   * strings and needs none; body and tunnel bytes go on to socket writes and retry buffers that
   * keep them.
   */
  private owned(buf: Buffer): Buffer {
    return this.sharedReads && buf.buffer === READ_BUFFER.buffer ? Buffer.from(buf) : buf;
  }

  /** Parses what is buffered, as far as the current stream allows. */
  private process(): void {
    while (this.buf !== undefined && this.buf.length > 0) {
      if (this.state === enum_.head) {
        if (this.stream) {
          // Pipelined request while the previous response is still going: wait for it.
          this.socket.pause();
          return;
        }
        if (this.tunnelFresh) {
          this.tunnelFresh = false;
          if (tunnelCarriesTls(this.buf)) {
            const first = this.buf;
            this.buf = undefined;
            this.clearHeaderTimer();
            relayTunnel(this, first);
            return;
          }
        }
        this.armHeaderTimer();
        const r = parseRequestHead(
          this.buf,
          0,
          this.hcm.maxHeadBytes,
          this.headScanned,
          this.tunnelAuthority,
          this.hcm.config.maxHeadersCount,
        );
        if (r.kind === 'incomplete') {
          this.headScanned = this.buf.length;
          return;
        }
        this.headScanned = 0;
        if (r.kind === 'error') {
          this.hcm.stats.downstreamCxProtocolError.inc();
          this.refuseRequest(r.error.status, reasonBody(r.error.status), r.error.detail);
          return;
        }
        this.clearHeaderTimer();
        this.buf = r.consumed === this.buf.length ? undefined : this.buf.subarray(r.consumed);
        const head = r.head;
        if (head.versionMinor === 0 && !this.acceptHttp10(head)) return;
        let decoder: BodyDecoder | undefined;
        if (head.chunked) decoder = new BodyDecoder('chunked');
        else if (head.contentLength > 0) decoder = new BodyDecoder('length', head.contentLength);
        this.decoder = decoder;
        this.state = decoder ? enum_.body : enum_.waiting;
        this.hcm = this.provider.current;
        const stream = new Http1Stream(this, head);
        this.stream = stream;
        stream.start(decoder === undefined);
        if (this.state === enum_.upgraded || this.state === enum_.closed) return;
      } else if (this.state === enum_.body) {
        const decoder = this.decoder!;
        this.buf = this.owned(this.buf);
        const used = decoder.feed(this.buf, 0, this.onRequestData);
        this.buf = used === this.buf.length ? undefined : this.buf.subarray(used);
        if (decoder.error) {
          this.hcm.stats.downstreamCxProtocolError.inc();
          this.buf = undefined;
          this.stream?.onDownstreamProtocolError();
          // The 400 (if one was written) closes gracefully; anything else ends here.
          if (!this.closed) this.destroy();
          return;
        }
        if (decoder.done) {
          this.state = enum_.waiting;
          this.decoder = undefined;
          this.stream?.onRequestEnd(decoder.trailers);
        }
      } else if (this.state === enum_.upgraded) {
        const data = this.buf;
        this.buf = undefined;
        if (this.relaySink !== undefined) this.relaySink(data);
        else this.stream?.onUpgradeData(this.owned(data));
        return;
      } else return; // waiting for the response, or closed
    }
  }

  /**
   * An HTTP/1.0 request, as Envoy's codec takes it: without accept_http_10, 426 Upgrade Required
   * and the connection closed (false); with it, default_host_for_http_10 for one without Host.
   */
  private acceptHttp10(head: RequestHead): boolean {
    const cfg = this.provider.current.config;
    if (!cfg.acceptHttp10) {
      this.hcm.stats.downstreamCxProtocolError.inc();
      this.refuseRequest(426, 'Upgrade Required', 'low_version');
      return false;
    }
    if (head.authority === '' && cfg.defaultHostForHttp10 !== '') {
      head.authority = cfg.defaultHostForHttp10;
      head.headers.add('host', head.authority);
    }
    if (head.authority === '') {
      // Envoy's connection manager requires a host of every request: 400, missing_host_header.
      this.refuseRequest(400, '', 'missing_host_header');
      return false;
    }
    return true;
  }

  /** A request answered before any stream exists, then the connection closed; buffered bytes dropped. */
  private refuseRequest(status: number, body: string, detail: string): void {
    this.buf = undefined;
    sendLocalReplyRaw(this, status, body, detail);
    this.closeGracefully();
  }

  /** A CONNECT was accepted: the next bytes are the tunnel's first. */
  beginTunnel(authority: string): void {
    this.tunnelAuthority = authority;
    this.tunnelFresh = true;
  }

  /** The tunnel is relayed as TCP: every further byte goes to `sink` (a view: it copies). */
  relayTo(sink: (data: Buffer) => void): void {
    this.state = enum_.upgraded;
    this.idle.clear();
    this.relaySink = sink;
  }

  /** The stream took the connection over as a raw pipe (101 Switching Protocols). */
  enterUpgradedMode(): void {
    this.state = enum_.upgraded;
    this.idle.clear();
    const rest = this.buf;
    this.buf = undefined;
    if (rest && rest.length > 0) this.stream?.onUpgradeData(rest);
  }

  /** Called by the stream when its response is fully written. */
  onStreamComplete(stream: unknown, requestComplete: boolean): void {
    const current = this.stream;
    if (current === undefined || current !== stream) return;
    this.stream = undefined;
    if (this.state === enum_.closed) return;
    this.idle.touch();
    if (this.closeAfterResponse || !requestComplete || !current.head.keepAlive) {
      this.closeGracefully();
      return;
    }
    this.state = enum_.head;
    this.decoder = undefined;
    if (this.socket.isPaused()) this.socket.resume();
    if (this.buf && this.buf.length > 0) this.process();
  }

  /** Ends the connection after what was written is flushed. */
  closeGracefully(): void {
    if (this.state === enum_.closed) return;
    this.state = enum_.closed;
    this.stopTimers();
    this.socket.end();
    // A client that keeps sending after we are done must not hold the socket open forever.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  destroy(): void {
    this.state = enum_.closed;
    this.stopTimers();
    // What was answered before the reset still goes out, as it did when heads were written at once.
    flushHeldWrites(this.socket);
    this.socket.destroy();
  }

  /** The connection is done: none of its timers may fire (its own, and its streams'). */
  private stopTimers(): void {
    this.clearHeaderTimer();
    this.idle.clear();
    this.streamIdle?.clear();
    unschedule(this.streamDeadline);
  }

  get closed(): boolean {
    return this.state === enum_.closed;
  }

  private onClose(): void {
    const s = this.hcm.stats;
    s.downstreamCxActive.dec();
    s.downstreamCxHttp1Active.dec();
    this.stopTimers();
    this.state = enum_.closed;
    const stream = this.stream;
    this.stream = undefined;
    stream?.onDownstreamClosed(ResponseFlag.DownstreamConnectionTermination);
  }
}

function reasonBody(status: number): string {
  if (status === 431) return 'Request Header Fields Too Large';
  if (status === 501) return 'Not Implemented';
  return 'Bad Request';
}

/** A connection's deadline for its current stream's request or route timeout. */
class StreamDeadline implements Deadline {
  at = 0;
  slot = -1;
  private readonly conn: Http1Connection;

  constructor(conn: Http1Connection) {
    this.conn = conn;
  }

  fire(): void {
    this.conn.stream?.onDeadline();
  }
}

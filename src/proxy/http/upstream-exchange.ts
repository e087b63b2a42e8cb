// One attempt of a request on one pooled upstream connection: writes the request (head, body
// with its framing), parses the response with the h1 codec and relays it downstream, then gives
// the connection back to the pool — reusable only if the exchange left it clean.
import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { wallNow } from '../event-clock/index.ts';
import type { HeaderMap } from '../headers/index.ts';
import { ResponseFlag } from '../observe/index.ts';
import { writeHead, writeHeadBytes } from '../socket-write/index.ts';
import type { UpstreamConnection, UpstreamHandler } from '../upstream/index.ts';
import {
  BODY_WITH_HEAD_MAX,
  BodyDecoder,
  type ForwardEdits,
  forwardResponseHead,
  httpDate,
  parseResponseHead,
  type ResponseHead,
  removeHopByHop,
  responseHasNoBody,
  type SentHead,
  serializeResponseHead,
  writeChunk,
  writeLastChunk,
} from './h1/index.ts';
import { UPSTREAM_RESET_BODY } from './local-reply.ts';
import { type ExchangeOwner, ResponseHooks } from './stream-types.ts';

const MAX_RESPONSE_HEAD = 96 * 1024;
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

/** The edits of the forwarded head being built (one scratch object: forwarding is synchronous). */
const EDITS: ForwardEdits = {
  date: '',
  serviceTimeMs: 0,
  chunked: false,
  connection: '',
};

export class UpstreamExchange implements UpstreamHandler {
  private readonly stream: ExchangeOwner;
  private readonly conn: UpstreamConnection;
  private readonly socket: Socket;
  private buf: Buffer | undefined;
  /** Bytes of buf already searched for the end of the response head. */
  private scanned = 0;
  private head: ResponseHead | undefined;
  private decoder: BodyDecoder | undefined;
  /** Re-encode the body as chunked for the downstream (upstream was close-delimited). */
  private chunkedDown = false;
  private upgraded = false;
  private requestSent = false;
  private gotBytes = false;
  private extraBytes = false;
  private released = false;
  /** The response head, held back to go out in one write with the body bytes that came with it. */
  private heldHead: string | SentHead | undefined;
  /**
   * The wall clock (event-clock) when the request went upstream. One reading serves both this and
   * the stream's timing fields: the service time is whole milliseconds anyway.
   */
  private readonly startMs: number;
  private readonly onBody = (chunk: Buffer) => {
    const head = this.heldHead;
    this.heldHead = undefined;
    // The bytes may be a view of the shared read buffer: writeDownstream copies what it keeps.
    if (!this.stream.writeDownstream(chunk, this.chunkedDown, head)) this.socket.pause();
  };

  constructor(stream: ExchangeOwner, conn: UpstreamConnection, requestHead: string) {
    this.stream = stream;
    this.conn = conn;
    const socket = (this.socket = conn.socket);
    // The pool's socket listeners dispatch to us (data, close, drain; errors end in close).
    conn.handler = this;
    // upstream_rq_total/active and the host's rq counters are the pool's (counted on acquire).
    const now = wallNow();
    this.startMs = now;
    stream.info.firstUpstreamTxByteMs = now - stream.info.startTimeMs;
    const pending = stream.takePending();
    if (pending === undefined && stream.requestEnded && !stream.head.chunked) {
      // The common case (no body): one write, straight to the handle when nothing is queued
      // (false only when it went through a Writable that now wants a drain).
      if (!writeHead(socket, requestHead)) stream.conn.socket.pause();
      this.requestSent = true;
    } else {
      socket.cork();
      socket.write(requestHead, 'latin1');
      if (pending) for (const chunk of pending) this.writeRequestBody(chunk);
      if (stream.requestEnded) this.endRequestBody(stream.requestTrailers);
      socket.uncork();
      if (socket.writableNeedDrain) stream.conn.socket.pause();
    }
  }

  writeRequestBody(chunk: Buffer): boolean {
    if (this.stream.head.chunked) return writeChunk(this.socket, chunk);
    return this.socket.write(chunk);
  }

  endRequestBody(trailers: HeaderMap | undefined): void {
    if (this.requestSent) return;
    this.requestSent = true;
    if (this.stream.head.chunked) writeLastChunk(this.socket, trailers);
  }

  writeUpgradeData(data: Buffer): void {
    if (!this.socket.write(data)) this.stream.conn.socket.pause();
  }

  /** Resumes reading the upstream when the downstream drained. */
  onDownstreamDrain(): void {
    if (!this.released) this.socket.resume();
  }

  onUpstreamDrain(): void {
    this.stream.conn.socket.resume();
  }

  onUpstreamData(chunk: Buffer): void {
    const stream = this.stream;
    this.gotBytes = true;
    stream.idle.touch();
    if (this.upgraded) {
      if (!stream.conn.socket.write(Buffer.from(chunk))) this.socket.pause();
      return;
    }
    if (this.head === undefined) {
      // `chunk` is only valid during this call (onUpstreamData): a partial head is kept as a copy.
      const owned = this.buf !== undefined;
      let buf: Buffer = owned ? Buffer.concat([this.buf!, chunk]) : chunk;
      this.buf = undefined;
      let scanned = this.scanned;
      this.scanned = 0;
      for (;;) {
        const r = parseResponseHead(buf, 0, MAX_RESPONSE_HEAD, scanned, stream.conn.hcm.forwardPlan);
        if (r.kind === 'incomplete') {
          this.buf = owned ? buf : Buffer.from(buf);
          this.scanned = buf.length;
          return;
        }
        if (r.kind === 'error') {
          this.fail(
            UPSTREAM_RESET_BODY.protocol,
            ResponseFlag.UpstreamProtocolError,
            'upstream_reset_before_response_started{protocol_error}',
          );
          return;
        }
        // Bytes after the head in this read; a view of them is made only if they are used after it.
        const restLength = buf.length - r.consumed;
        const h = r.head;
        if (h.status === 101 && stream.head.upgrade !== '') {
          this.startUpgrade(h, restLength === 0 ? undefined : buf.subarray(r.consumed));
          return;
        }
        if (h.status >= 100 && h.status < 200) {
          // Interim responses: a 100 is relayed only under proxy_100_continue, to a client that
          // asked for it (else the proxy answered 100 itself and the upstream saw no Expect).
          if (h.status === 100 && stream.head.expectContinue && stream.conn.hcm.config.proxy100Continue)
            stream.conn.socket.write(CONTINUE, 'latin1');
          if (restLength === 0) return;
          buf = buf.subarray(r.consumed);
          scanned = 0;
          continue;
        }
        // A small body that came whole with its head was forwarded with it (and the exchange ended).
        this.onResponseHead(h, restLength);
        if (restLength === 0 || this.released) return;
        chunk = buf.subarray(r.consumed);
        break;
      }
    }
    this.feedBody(chunk);
  }

  private feedBody(chunk: Buffer): void {
    const decoder = this.decoder;
    if (!decoder || this.released) return;
    const used = decoder.feed(chunk, 0, this.onBody);
    // A head held back for body bytes that turned out not to be data (a chunk-size line only).
    const held = this.heldHead;
    if (held !== undefined) {
      this.heldHead = undefined;
      if (typeof held === 'string') writeHead(this.stream.conn.socket, held);
      else writeHeadBytes(this.stream.conn.socket, held.head());
    }
    // Bytes after the end of the response: the upstream is out of step, do not reuse it.
    if (decoder.done && used < chunk.length) this.extraBytes = true;
    if (decoder.error) {
      this.release(false);
      this.stream.reset(ResponseFlag.UpstreamProtocolError);
      return;
    }
    if (decoder.done) this.finish();
  }

  /**
   * `bodyBytes`: body bytes that came in the same read; the head then waits to be written with
   * them. A head that needs no edits as a HeaderMap is forwarded from its bytes (response-forward),
   * and a small Content-Length body that came whole with it goes out in the same write, the
   * exchange finishing here without the body decoder.
   */
  private onResponseHead(h: ResponseHead, bodyBytes: number): void {
    const stream = this.stream;
    this.head = h;
    const now = wallNow();
    stream.info.firstUpstreamRxByteMs = now - stream.info.startTimeMs;
    const serviceMs = now - this.startMs;
    stream.info.upstreamServiceTimeMs = serviceMs;
    // A retriable answer is dropped here, before anything reaches the downstream.
    if (stream.onUpstreamResponse(h.status, h)) {
      this.recordUpstreamStats(h.status, serviceMs);
      if (h.status >= 500) this.conn.host.stats.rqError++;
      this.release(false);
      return;
    }
    const noBody = responseHasNoBody(stream.method, h.status);
    const hooks = stream.responseFilterHooks();
    const plain =
      !h.connectionNamesFields &&
      (hooks & ResponseHooks.headers) === 0 &&
      (stream.route === undefined || !stream.route.mutatesResponse(stream.decision));
    const length = h.contentLength;
    const whole =
      plain &&
      !noBody &&
      !h.chunked &&
      length > 0 &&
      length <= bodyBytes &&
      length <= BODY_WITH_HEAD_MAX &&
      (hooks & ResponseHooks.data) === 0;
    let decoder: BodyDecoder;
    if (noBody) decoder = new BodyDecoder('none');
    else if (h.chunked) decoder = new BodyDecoder('chunked');
    else if (length >= 0) decoder = new BodyDecoder('length', whole ? 0 : length);
    else decoder = new BodyDecoder('close');
    this.decoder = decoder;
    if (!noBody) {
      // A chunked body is decoded on the way in and re-framed on the way out (trailers included);
      // a close-delimited one is chunked for an HTTP/1.1 client, or ends with the connection.
      if (h.chunked) this.chunkedDown = true;
      else if (h.contentLength < 0) {
        if (stream.head.versionMinor === 1) this.chunkedDown = true;
        else stream.conn.closeAfterResponse = true;
      }
    }
    const text = plain ? undefined : this.editedHead(h, serviceMs, decoder.done);
    if (text === undefined && this.closesDownstream()) stream.conn.closeAfterResponse = true;
    stream.info.responseCodeDetails = 'via_upstream';
    stream.responseStarted = true;
    const holdForBody = bodyBytes > 0 && !decoder.done;
    if (text !== undefined) {
      if (holdForBody) this.heldHead = text;
      else writeHead(stream.conn.socket, text);
    } else {
      const e = EDITS;
      e.date = h.hasDate ? '' : httpDate(now);
      e.serviceTimeMs = serviceMs;
      e.chunked = this.chunkedDown;
      e.connection = stream.conn.closeAfterResponse
        ? 'close'
        : stream.head.versionMinor === 0
          ? 'keep-alive'
          : '';
      const sent = forwardResponseHead(h, e);
      stream.info.responseHeaderSource = sent;
      if (whole) {
        stream.info.bytesSent += length;
        // Bytes after the body: the upstream is out of step, its connection is not reused.
        if (bodyBytes > length) this.extraBytes = true;
        writeHeadBytes(stream.conn.socket, sent.withBodyBytes(h.source, h.fieldsEnd + 4, length));
      } else if (holdForBody) this.heldHead = sent;
      else writeHeadBytes(stream.conn.socket, sent.head());
    }
    // Counted once the head is on its way: nothing reads them in between, and at a low request
    // rate each counter is a cache miss the response would otherwise wait for.
    if (text === undefined) stream.recordResponseCode(h.status);
    this.recordUpstreamStats(h.status, serviceMs);
    if (decoder.done) this.finish();
  }

  /** upstream_rq_<code>, upstream_rq_<n>xx and upstream_rq_time of the attempt's cluster. */
  private recordUpstreamStats(status: number, serviceMs: number): void {
    const stats = this.stream.cluster!.stats;
    stats.recordResponse(status);
    stats.upstreamRqTime.record(serviceMs);
  }

  /** Whether the downstream connection closes after this response. */
  private closesDownstream(): boolean {
    const stream = this.stream;
    return stream.conn.closeAfterResponse || !stream.head.keepAlive || !stream.requestEnded;
  }

  /**
   * The response head through the HeaderMap path: hop-by-hop removal, the route's header
   * mutations, server and date, framing, the filters' onResponseHeaders. Records the status the
   * filters leave and returns the head's text.
   */
  private editedHead(h: ResponseHead, serviceMs: number, endStream: boolean): string {
    const stream = this.stream;
    const headers = h.headers;
    removeHopByHop(headers);
    headers.set('x-envoy-upstream-service-time', String(serviceMs));
    if (stream.route && stream.decision)
      stream.route.applyToResponse(headers, stream, stream.decision, stream.formatContext());
    const cfg = stream.conn.hcm.config;
    if (cfg.serverHeaderTransformation === 'OVERWRITE') headers.set('server', cfg.serverName);
    else if (cfg.serverHeaderTransformation === 'APPEND_IF_ABSENT' && !headers.has('server'))
      headers.add('server', cfg.serverName);
    if (!headers.has('date')) headers.add('date', httpDate());
    if (this.chunkedDown) headers.set('transfer-encoding', 'chunked');
    const status = stream.runResponseHeaderFilters(h.status, headers, endStream);
    if (this.closesDownstream()) {
      stream.conn.closeAfterResponse = true;
      headers.set('connection', 'close');
    } else if (stream.head.versionMinor === 0) headers.set('connection', 'keep-alive');
    stream.info.responseHeaders = headers;
    stream.recordResponseCode(status);
    return serializeResponseHead(status, headers, status === h.status ? h.reason : undefined);
  }

  private startUpgrade(h: ResponseHead, rest: Buffer | undefined): void {
    const stream = this.stream;
    this.upgraded = true;
    const hs = stream.conn.hcm.stats;
    hs.downstreamCxUpgradesTotal.inc();
    hs.downstreamCxUpgradesActive.inc();
    this.socket.once('close', () => hs.downstreamCxUpgradesActive.dec());
    stream.cluster!.stats.recordResponse(101);
    stream.recordResponseCode(101);
    stream.responseStarted = true;
    h.headers.set('x-envoy-upstream-service-time', String(wallNow() - this.startMs));
    stream.conn.socket.write(serializeResponseHead(101, h.headers, h.reason), 'latin1');
    if (rest) stream.conn.socket.write(Buffer.from(rest));
    // From here both sockets are a raw pipe; either side closing ends the stream.
    stream.conn.closeAfterResponse = true;
    stream.conn.enterUpgradedMode();
    stream.conn.socket.once('close', () => {
      if (!this.released) this.release(false);
    });
  }

  private finish(): void {
    const stream = this.stream;
    const h = this.head!;
    stream.endDownstream(this.chunkedDown, this.decoder?.trailers);
    const reusable = !h.close && this.requestSent && this.decoder!.mode !== 'close' && !this.extraBytes;
    this.release(reusable);
    stream.exchange = undefined;
    stream.cluster!.stats.upstreamRqCompleted.inc();
    const hs = this.conn.host.stats;
    if (h.status >= 500) hs.rqError++;
    else hs.rqSuccess++;
    stream.complete();
  }

  onUpstreamClose(): void {
    if (this.released) return;
    const stream = this.stream;
    if (this.upgraded) {
      this.release(false);
      stream.conn.socket.end();
      stream.complete();
      return;
    }
    if (this.decoder?.mode === 'close') {
      this.finish();
      return;
    }
    const reused = this.conn.requests > 1;
    this.release(false);
    stream.exchange = undefined;
    // A kept-alive connection the upstream closed before answering: the request never reached
    // the application, so it is safe to send it once more on another connection (as Envoy does).
    if (!this.gotBytes && reused && stream.canRetryOnFreshConnection()) {
      stream.retry();
      return;
    }
    this.conn.host.stats.rqError++;
    if (stream.onUpstreamReset()) return;
    stream.sendLocalReply(
      503,
      UPSTREAM_RESET_BODY.termination,
      'upstream_reset_before_response_started{connection_termination}',
      ResponseFlag.UpstreamConnectionTermination,
    );
  }

  private fail(body: string, flag: number, details: string): void {
    this.release(false);
    this.stream.exchange = undefined;
    if (this.stream.onUpstreamReset()) return;
    this.stream.sendLocalReply(503, body, details, flag);
  }

  /** The stream gave up (timeout, downstream gone): the connection is closed, not reused. */
  abandon(): void {
    if (this.released) return;
    this.release(false);
  }

  private release(reusable: boolean): void {
    if (this.released) return;
    this.released = true;
    const socket = this.socket;
    this.conn.handler = undefined;
    if (socket.isPaused()) socket.resume();
    if (!reusable && !socket.destroyed) socket.destroy();
    this.conn.host.pool.release(this.conn, reusable);
  }
}

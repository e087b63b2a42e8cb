// Request mirroring (RouteAction.request_mirror_policies): a fire-and-forget copy of the request to
// the mirror cluster, its Host suffixed '-shadow' as Envoy does ('a:9080' → 'a-shadow:9080'). Every
// request is mirrored, bodies included: each shadow starts when the main request is forwarded, gets
// the body chunks as they arrive and ends with the request, framed as the request was
// (content-length kept, chunked re-chunked with its trailers). The shadow's response is read and
// dropped; nothing about it reaches the main request, which never waits for it and is never paused
// for it. What a shadow may hold (body queued before its connection is ready, or unwritten in its
// socket because the mirror reads slowly) is bounded by SHADOW_BUFFER_LIMIT: past it the shadow is
// reset and counted in the mirror cluster's upstream_rq_tx_reset, the main request unaffected. A
// shadow whose request body never completes (the downstream went away) is reset the same way.
import type { MirrorPolicyConfig } from '../../../config/index.ts';
import type { HeaderMap } from '../../../headers/index.ts';
import { READ_BUFFER } from '../../../socket-read/index.ts';
import type {
  PendingAcquire,
  UpstreamCluster,
  UpstreamConnection,
  UpstreamFailure,
  UpstreamHost,
} from '../../../upstream/index.ts';
import {
  BodyDecoder,
  type ByteSink,
  parseResponseHead,
  requestHeadText,
  responseHasNoBody,
  writeChunk,
  writeLastChunk,
} from '../../h1/index.ts';

/** How mirrors find their cluster (the connection manager's ClusterLookup). */
interface ClusterLookup {
  get(name: string): UpstreamCluster | undefined;
}

const MAX_HEAD = 96 * 1024;
/** Bytes one shadow may hold (queued before it connects, or unwritten in its socket). */
export const SHADOW_BUFFER_LIMIT = 1024 * 1024;

/** 'a:9080' → 'a-shadow:9080', 'a' → 'a-shadow', '[::1]:80' → '[::1]-shadow:80'. */
export function shadowAuthority(authority: string): string {
  const colon = authority.lastIndexOf(':');
  if (colon === -1 || authority.endsWith(']')) return authority + '-shadow';
  return authority.slice(0, colon) + '-shadow' + authority.slice(colon);
}

/** The main request as the mirror needs it, after the route's rewrites and header edits. */
export interface MirroredRequest {
  method: string;
  path: string;
  authority: string;
  headers: HeaderMap;
  /** The request's framing: `chunked`, else `contentLength` (-1 or 0: no body). */
  readonly head: { readonly chunked: boolean; readonly contentLength: number };
  /** Body that arrived before the request was forwarded (a filter held it). */
  readonly pending: readonly Buffer[] | undefined;
  readonly requestEnded: boolean;
  readonly requestTrailers: HeaderMap | undefined;
}

/**
 * The shadows of one request, fed with its body as it arrives. Created only when a mirror was
 * sent and the request still has body to come.
 */
export class Shadows {
  private readonly list: Shadow[];

  constructor(list: Shadow[]) {
    this.list = list;
  }

  /** A chunk of the request body; a view of the shared read buffer is copied (once, for all). */
  data(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const owned = chunk.buffer === READ_BUFFER.buffer ? Buffer.from(chunk) : chunk;
    for (const s of this.list) s.data(owned);
  }

  /** The request body ended. */
  end(trailers: HeaderMap | undefined): void {
    for (const s of this.list) s.end(trailers);
  }

  /** The main request ended without its body completing: shadows still waiting for body are reset. */
  abort(): void {
    for (const s of this.list) s.abort();
  }
}

/**
 * Sends the shadows a route asks for (each with its own fraction). `timeoutMs` bounds each shadow
 * (Envoy applies the route timeout to them); 0 means none. Returns the shadows to feed the rest of
 * the body to, or undefined when none was sent or the request already ended.
 */
export function sendMirrors(
  mirrors: readonly MirrorPolicyConfig[],
  clusters: ClusterLookup,
  req: MirroredRequest,
  timeoutMs: number,
  worker = 0,
): Shadows | undefined {
  let head: Buffer | undefined;
  let list: Shadow[] | undefined;
  const chunked = req.head.chunked;
  for (const m of mirrors) {
    if (m.fraction < 1 && Math.random() >= m.fraction) continue;
    const cluster = clusters.get(m.cluster);
    const host = cluster?.chooseHost();
    if (!cluster || !host) continue;
    if (head === undefined) {
      const h = req.headers.clone();
      h.set('host', shadowAuthority(req.authority));
      if (chunked) {
        h.remove('content-length');
        h.set('transfer-encoding', 'chunked');
      } else {
        h.remove('transfer-encoding');
        if (req.head.contentLength > 0) h.set('content-length', String(req.head.contentLength));
        else h.remove('content-length');
      }
      head = Buffer.from(requestHeadText(req.method, req.path, h), 'latin1');
    }
    const s = new Shadow(host, cluster, head, req.method, chunked, timeoutMs);
    if (req.pending !== undefined) for (const chunk of req.pending) s.data(chunk);
    if (req.requestEnded) s.end(req.requestTrailers);
    s.start(worker);
    (list ??= []).push(s);
  }
  return list === undefined || req.requestEnded ? undefined : new Shadows(list);
}

/**
 * One shadow request on a pooled connection of the mirror host. Bytes written before the
 * connection is ready are queued; it is a ByteSink for the h1 chunk writers.
 */
class Shadow implements ByteSink {
  private readonly host: UpstreamHost;
  private readonly cluster: UpstreamCluster;
  private readonly method: string;
  private readonly chunked: boolean;
  private readonly timeoutMs: number;
  private queue: (Buffer | string)[] | undefined;
  private queued = 0;
  private conn: UpstreamConnection | undefined;
  private acquiring: PendingAcquire | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** end() was called: the whole request is written or queued. */
  private ended = false;
  private done = false;
  private buf: Buffer | undefined;
  private decoder: BodyDecoder | undefined;
  /** The response allows the connection's reuse (no `connection: close`). */
  private keepAlive = false;

  constructor(
    host: UpstreamHost,
    cluster: UpstreamCluster,
    head: Buffer,
    method: string,
    chunked: boolean,
    timeoutMs: number,
  ) {
    this.host = host;
    this.cluster = cluster;
    this.method = method;
    this.chunked = chunked;
    this.timeoutMs = timeoutMs;
    this.queue = [head];
    this.queued = head.length;
  }

  start(worker: number): void {
    if (this.done) return;
    // The pool may call back synchronously (an idle connection), before acquire returns.
    const handle = this.host.pool.acquire((failure, c) => this.onAcquired(failure, c), worker);
    if (!this.done && this.conn === undefined) this.acquiring = handle;
    if (this.timeoutMs > 0 && !this.done) {
      this.timer = setTimeout(() => this.finish(false), this.timeoutMs);
      this.timer.unref();
    }
  }

  /** `chunk` is owned (Shadows copied views of the shared read buffer). */
  data(chunk: Buffer): void {
    if (this.done || this.ended) return;
    if (this.chunked) writeChunk(this, chunk);
    else this.write(chunk);
    this.checkBound();
  }

  end(trailers: HeaderMap | undefined): void {
    if (this.done || this.ended) return;
    this.ended = true;
    if (this.chunked) {
      writeLastChunk(this, trailers);
      this.checkBound();
    }
  }

  abort(): void {
    if (this.done || this.ended) return;
    this.cluster.stats.upstreamRqTxReset.inc();
    this.finish(false);
  }

  /** ByteSink: to the socket once connected, else queued. */
  write(data: Buffer | string, encoding?: BufferEncoding): boolean {
    const conn = this.conn;
    if (conn !== undefined) return conn.socket.write(data, encoding ?? 'latin1');
    this.queue!.push(data);
    this.queued += data.length;
    return true;
  }

  /** Past the limit the shadow is reset; the downstream is never paused for it. */
  private checkBound(): void {
    const held = this.conn !== undefined ? this.conn.socket.writableLength : this.queued;
    if (held <= SHADOW_BUFFER_LIMIT) return;
    this.cluster.stats.upstreamRqTxReset.inc();
    this.finish(false);
  }

  private onAcquired(failure: UpstreamFailure | undefined, c: UpstreamConnection | undefined): void {
    this.acquiring = undefined;
    if (this.done) {
      if (c) this.host.pool.release(c, true);
      return;
    }
    if (failure || !c) {
      this.done = true;
      this.queue = undefined;
      if (this.timer !== undefined) clearTimeout(this.timer);
      return;
    }
    this.conn = c;
    // The pool dispatches the socket's reads and close to the connection's handler.
    c.handler = { onUpstreamData: this.onData, onUpstreamClose: this.onClose, onUpstreamDrain: noop };
    const q = this.queue!;
    this.queue = undefined;
    this.queued = 0;
    const socket = c.socket;
    if (q.length > 1) socket.cork();
    for (const part of q) socket.write(part, 'latin1');
    if (q.length > 1) socket.uncork();
  }

  private finish(reusable: boolean): void {
    if (this.done) return;
    this.done = true;
    this.queue = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const conn = this.conn;
    if (conn === undefined) {
      this.acquiring?.cancel();
      this.acquiring = undefined;
      return;
    }
    conn.handler = undefined;
    // A connection is reused only when the whole request went out and the response was read.
    const reuse = reusable && this.ended;
    if (!reuse) conn.socket.destroy();
    this.host.pool.release(conn, reuse);
  }

  private readonly onClose = (): void => this.finish(false);

  // `chunk` is a view of the pool's read buffer, valid only during the call: a partial head is copied.
  private readonly onData = (chunk: Buffer): void => {
    let decoder = this.decoder;
    while (decoder === undefined) {
      const buf = this.buf === undefined ? chunk : Buffer.concat([this.buf, chunk]);
      const r = parseResponseHead(buf, 0, MAX_HEAD);
      if (r.kind === 'incomplete') {
        this.buf = buf === chunk ? Buffer.from(chunk) : buf;
        return;
      }
      this.buf = undefined;
      if (r.kind === 'error' || r.head.status === 101) {
        this.finish(false);
        return;
      }
      const h = r.head;
      chunk = buf.subarray(r.consumed);
      // 100 Continue and other interim heads: the final one follows.
      if (h.status < 200) {
        if (chunk.length === 0) return;
        continue;
      }
      this.host.outlier?.putHttpStatus(h.status);
      if (responseHasNoBody(this.method, h.status)) decoder = new BodyDecoder('none');
      else if (h.chunked) decoder = new BodyDecoder('chunked');
      else if (h.contentLength >= 0) decoder = new BodyDecoder('length', h.contentLength);
      else {
        this.finish(false);
        return;
      }
      this.decoder = decoder;
      this.keepAlive = !h.close;
    }
    const used = decoder.feed(chunk, 0, drop);
    if (decoder.error) {
      this.finish(false);
      return;
    }
    if (decoder.done) this.finish(this.keepAlive && used === chunk.length);
  };
}

function drop(): void {}
function noop(): void {}

// A host's HTTP/1.1 connection pool. One request per connection at a time; idle keep-alive
// sockets are reused newest-first (warm ones stay warm, cold ones idle out). Circuit breakers are
// the cluster's: max_requests is checked first, then a request either takes an idle socket, or
// waits as pending (max_pending_requests beyond that fails with overflow) for a new connection
// (max_connections; at the limit upstream_cx_overflow counts and the request waits for a release).
// Pending means waiting for a connection: a request leaves the count the moment it gets one.
// A connection the pool closes (max_requests_per_connection reached, not reusable, idle) leaves
// the connection count at once, as in Envoy, so a pending request opens its replacement in the same
// turn instead of waiting for the socket's 'close' event while newcomers overflow. As in Envoy, a
// host with no connection at all opens one even when max_connections is reached (counted as
// upstream_cx_overflow), so its pending requests are never stranded.
// A host has one such pool per proxy worker (HostPools), as each Envoy worker thread keeps its own
// pools: a request uses the pool of the worker its downstream connection is bound to, and the
// "at least one connection" rule holds per pool, while the circuit breakers are the cluster's,
// shared by all. So max_connections may be exceeded by up to one connection per host and worker,
// the bound Envoy documents.

import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { monoNow } from '../event-clock/index.ts';
import { type ClusterRuntime, type OpeningConnection, openConnection } from './connect.ts';
import type {
  AcquireCallback,
  Http1Pool,
  PendingAcquire,
  UpstreamConnection,
  UpstreamFailure,
  UpstreamHost,
} from './types.ts';
import { deliverAcquire } from './types.ts';

const OVERFLOW: UpstreamFailure = { kind: 'overflow', responseFlag: 'UO', message: 'overflow' };
const CLOSED: UpstreamFailure = {
  kind: 'pool_closed',
  responseFlag: 'UF',
  message: 'connection pool closed',
};

interface PooledConnection extends UpstreamConnection {
  /** The worker's pool the connection belongs to (release goes back there). */
  readonly owner: HostHttp1Pool;
  /** Closes the socket with its accounting done now (connect.ts). */
  readonly opening: OpeningConnection;
  /** Already out of the pool's count (closed by the pool, or its socket closed). */
  gone: boolean;
  /** In the idle list: a byte or FIN from the peer then ends the connection. */
  idle: boolean;
  /** performance.now() when it last became idle. */
  idleSince: number;
  /**
   * Armed lazily and left running across requests: when it fires it checks how long the
   * connection has been idle and re-arms for the rest, so a request costs no timer operations.
   */
  idleTimer: NodeJS.Timeout | undefined;
}

class PendingRequest implements PendingAcquire {
  cb: AcquireCallback | undefined;
  private readonly pool: HostHttp1Pool;
  constructor(pool: HostHttp1Pool, cb: AcquireCallback) {
    this.pool = pool;
    this.cb = cb;
  }
  cancel(): void {
    if (this.cb === undefined) return;
    this.cb = undefined;
    this.pool.dropPending(this);
  }
}

export class HostHttp1Pool implements Http1Pool {
  private readonly rt: ClusterRuntime;
  private readonly host: UpstreamHost;
  private readonly idle: PooledConnection[] = [];
  private readonly pending: PendingRequest[] = [];
  private readonly connecting = new Set<OpeningConnection>();
  private open = 0;
  private closed = false;

  constructor(rt: ClusterRuntime, host: UpstreamHost) {
    this.rt = rt;
    this.host = host;
  }

  get idleCount(): number {
    return this.idle.length;
  }
  get openCount(): number {
    return this.open;
  }
  get pendingCount(): number {
    return this.pending.length;
  }

  acquire(cb: AcquireCallback): PendingAcquire | undefined {
    const { breakers, stats } = this.rt;
    if (this.closed) {
      deliverAcquire(cb, CLOSED, undefined);
      return undefined;
    }
    if (!breakers.tryAcquire('requests')) {
      deliverAcquire(cb, OVERFLOW, undefined);
      return undefined;
    }
    const conn = this.idle.pop();
    if (conn) {
      this.leaveIdle(conn);
      this.start(conn, cb);
      return undefined;
    }
    if (!breakers.tryAcquire('pending_requests')) {
      breakers.release('requests');
      deliverAcquire(cb, OVERFLOW, undefined);
      return undefined;
    }
    const req = new PendingRequest(this, cb);
    this.pending.push(req);
    stats.upstreamRqPendingTotal.inc();
    stats.upstreamRqPendingActive.inc();
    this.maybeConnect();
    return req;
  }

  release(c: UpstreamConnection, reusable: boolean): void {
    const conn = c as PooledConnection;
    const { stats, breakers, config } = this.rt;
    this.host.stats.rqActive--;
    stats.upstreamRqActive.dec();
    breakers.release('requests');
    const socket = conn.socket;
    const maxed = config.maxRequestsPerConnection > 0 && conn.requests >= config.maxRequestsPerConnection;
    if (maxed) stats.upstreamCxMaxRequests.inc();
    if (!reusable || maxed || this.closed || socket.destroyed || !socket.writable) {
      this.discard(conn);
      return;
    }
    const next = this.shiftPending();
    if (next) {
      this.start(conn, next);
      return;
    }
    this.enterIdle(conn);
  }

  close(): void {
    this.closed = true;
    for (const c of this.idle.splice(0)) {
      this.leaveIdle(c);
      this.discard(c);
    }
    for (const o of this.connecting) o.abort();
    this.connecting.clear();
    for (;;) {
      const cb = this.shiftPending();
      if (!cb) break;
      this.rt.breakers.release('requests');
      deliverAcquire(cb, CLOSED, undefined);
    }
  }

  /** @internal from PendingRequest.cancel */
  dropPending(req: PendingRequest): void {
    const i = this.pending.indexOf(req);
    if (i === -1) return;
    this.pending.splice(i, 1);
    this.rt.stats.upstreamRqPendingActive.dec();
    this.rt.stats.upstreamRqCancelled.inc();
    this.rt.breakers.release('pending_requests');
    this.rt.breakers.release('requests');
  }

  private shiftPending(): AcquireCallback | undefined {
    for (;;) {
      const req = this.pending.shift();
      if (!req) return undefined;
      this.rt.stats.upstreamRqPendingActive.dec();
      this.rt.breakers.release('pending_requests');
      const cb = req.cb;
      req.cb = undefined;
      if (cb) return cb;
    }
  }

  /**
   * Starts connections while more requests wait than connections are being opened. At
   * max_connections the overflow is counted and the requests keep waiting, unless this host has no
   * connection at all: then one is opened anyway (Envoy's "at least one connection per host").
   */
  private maybeConnect(): void {
    const breakers = this.rt.breakers;
    while (!this.closed && this.pending.length > this.connecting.size) {
      if (!breakers.tryAcquire('connections')) {
        if (this.open > 0) return;
        breakers.acquireOver('connections');
      }
      this.connectOne();
    }
  }

  /** Closes a connection now: out of the idle list and the counts; a waiting request may connect. */
  private discard(conn: PooledConnection): void {
    if (conn.gone) return;
    this.forget(conn);
    conn.opening.close();
    this.maybeConnect();
  }

  private forget(conn: PooledConnection): void {
    conn.gone = true;
    this.open--;
    this.removeIdle(conn);
    if (conn.idleTimer !== undefined) clearTimeout(conn.idleTimer);
    conn.idleTimer = undefined;
  }

  private connectOne(): void {
    this.open++;
    this.rt.stats.upstreamCxHttp1Total.inc();
    // Plain TCP reads go straight to the connection's user (no 'data' events, no Buffer per read);
    // the connect callback runs before the first read, so `conn` is set by then.
    let conn: PooledConnection | undefined;
    const onRead = (chunk: Buffer): void => {
      if (conn !== undefined) this.onRead(conn, chunk);
    };
    const opening = openConnection(
      this.rt,
      this.host,
      (failure, socket) => {
        this.connecting.delete(opening);
        if (failure || !socket) {
          this.open--;
          // One waiting request learns of the failure; the others keep their own connects.
          const cb = this.shiftPending();
          if (cb) {
            this.rt.breakers.release('requests');
            deliverAcquire(cb, failure ?? CLOSED, undefined);
          }
          return;
        }
        const c = (conn = this.wrap(socket, opening));
        const next = this.shiftPending();
        if (next) this.start(c, next);
        else this.enterIdle(c);
      },
      onRead,
    );
    this.connecting.add(opening);
  }

  private wrap(socket: Socket, opening: OpeningConnection): PooledConnection {
    const conn: PooledConnection = {
      owner: this,
      socket,
      host: this.host,
      requests: 0,
      opening,
      gone: false,
      handler: undefined,
      idle: false,
      idleSince: 0,
      idleTimer: undefined,
    };
    // Listeners for the connection's lifetime; the request using it gets its events as calls.
    // TLS sockets emit 'data'; plain ones call onRead (openConnection's reader).
    if (this.rt.tlsOptions) socket.on('data', (chunk: Buffer) => this.onRead(conn, chunk));
    socket.on('end', () => {
      if (conn.idle) this.discard(conn);
    });
    socket.on('drain', () => conn.handler?.onUpstreamDrain());
    socket.once('close', () => {
      if (!conn.gone) {
        this.forget(conn);
        this.maybeConnect();
      }
      conn.handler?.onUpstreamClose();
    });
    return conn;
  }

  /** Bytes from the upstream: the user's, or, on an idle connection, the end of it. */
  private onRead(conn: PooledConnection, chunk: Buffer): void {
    const h = conn.handler;
    if (h !== undefined) h.onUpstreamData(chunk);
    else if (conn.idle) this.discard(conn);
  }

  private start(conn: PooledConnection, cb: AcquireCallback): void {
    conn.requests++;
    this.host.stats.rqTotal++;
    this.host.stats.rqActive++;
    this.rt.stats.upstreamRqTotal.inc();
    this.rt.stats.upstreamRqActive.inc();
    deliverAcquire(cb, undefined, conn);
  }

  private enterIdle(conn: PooledConnection): void {
    conn.idle = true;
    conn.idleSince = monoNow();
    const idleMs = this.rt.config.idleTimeoutMs;
    if (idleMs > 0 && conn.idleTimer === undefined) this.armIdleTimer(conn, idleMs);
    this.idle.push(conn);
  }

  private armIdleTimer(conn: PooledConnection, ms: number): void {
    conn.idleTimer = setTimeout(() => {
      conn.idleTimer = undefined;
      // Busy now: the next enterIdle arms it again.
      if (!conn.idle || conn.socket.destroyed) return;
      const idleMs = this.rt.config.idleTimeoutMs;
      const left = idleMs - (performance.now() - conn.idleSince);
      if (left > 0) {
        this.armIdleTimer(conn, Math.ceil(left));
        return;
      }
      this.rt.stats.upstreamCxIdleTimeout.inc();
      this.discard(conn);
    }, ms);
    conn.idleTimer.unref();
  }

  private leaveIdle(conn: PooledConnection): void {
    conn.idle = false;
  }

  private removeIdle(conn: PooledConnection): void {
    const i = this.idle.indexOf(conn);
    if (i === -1) return;
    this.idle.splice(i, 1);
    this.leaveIdle(conn);
  }
}

/**
 * A host's pools, one per proxy worker, created when a worker first asks. Requests go to their
 * worker's pool, connections back to the pool that opened them.
 */
export class HostPools implements Http1Pool {
  private readonly rt: ClusterRuntime;
  private readonly host: UpstreamHost;
  private readonly byWorker: HostHttp1Pool[] = [];
  private closed = false;

  constructor(rt: ClusterRuntime, host: UpstreamHost) {
    this.rt = rt;
    this.host = host;
  }

  acquire(cb: AcquireCallback, worker = 0): PendingAcquire | undefined {
    if (this.closed) {
      deliverAcquire(cb, CLOSED, undefined);
      return undefined;
    }
    let pool = this.byWorker[worker];
    if (pool === undefined) pool = this.byWorker[worker] = new HostHttp1Pool(this.rt, this.host);
    return pool.acquire(cb);
  }

  release(c: UpstreamConnection, reusable: boolean): void {
    (c as PooledConnection).owner.release(c, reusable);
  }

  get idleCount(): number {
    return this.sum((p) => p.idleCount);
  }
  get openCount(): number {
    return this.sum((p) => p.openCount);
  }
  get pendingCount(): number {
    return this.sum((p) => p.pendingCount);
  }

  close(): void {
    this.closed = true;
    for (const p of this.byWorker) p?.close();
  }

  private sum(f: (p: HostHttp1Pool) => number): number {
    let n = 0;
    for (const p of this.byWorker) if (p !== undefined) n += f(p);
    return n;
  }
}

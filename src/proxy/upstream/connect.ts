// Opening one upstream connection: net.connect or tls.connect (when the cluster has TLS), with
// Nagle off and the cluster's connect timeout, counted in the cluster's and host's cx stats.
// For TLS the connection counts as established after the handshake, as in Envoy, so a peer that
// accepts TCP but never answers the handshake runs into the connect timeout.
// The caller has taken a 'connections' circuit-breaker slot; it is given back when the socket closes,
// or at once when the owner closes the connection itself (close()), as Envoy's count drops when it
// closes a connection, not when the kernel is done with the socket.

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import type { ClusterConfig } from '../config/index.ts';
import { countBytes } from '../observe/index.ts';
import { connectReadOptions, directReads, type ReadCallback } from '../socket-read/index.ts';
import type { ClusterCircuitBreakers } from './circuit-breakers.ts';
import type { ClusterStats } from './cluster-stats.ts';
import type { UpstreamFailure, UpstreamHost } from './types.ts';

/** What a host's connections need from their cluster; updated in place on config change. */
export interface ClusterRuntime {
  config: ClusterConfig;
  stats: ClusterStats;
  breakers: ClusterCircuitBreakers;
  /** tls.connect options when the cluster has TLS (built at config time), else undefined. */
  tlsOptions: tls.ConnectionOptions | undefined;
  /**
   * How a host given by name is resolved, for a connection to `port` (net.connect's `lookup`,
   * asynchronous); an ORIGINAL_DST cluster gives one that refuses the proxy's own listeners.
   * Default: net.connect's own (dns.lookup).
   */
  lookupFor?: (port: number) => net.LookupFunction;
}

export interface OpeningConnection {
  /** Gives up on a connection still connecting (no callback follows). */
  abort(): void;
  /**
   * Destroys the connected socket and does the close accounting now (cx_active, cx_destroy, the
   * 'connections' breaker) rather than on its 'close' event; the event then changes nothing.
   */
  close(): void;
}

export type OpenCallback = (failure: UpstreamFailure | undefined, socket: net.Socket | undefined) => void;

/**
 * Receives the bytes of one read. `chunk` is a view of a buffer shared by every connection opened
 * with a reader, valid only during the call: whatever must outlive it has to be copied.
 */
function failureReason(err: Error): string {
  const errno = (err as NodeJS.ErrnoException).errno;
  return typeof errno === 'number' ? `delayed connect error: ${-errno}` : err.message;
}

/**
 * `onRead`: with it, a plain-TCP socket delivers its bytes there instead of as 'data' events ('end',
 * 'close', pause() and resume() work as usual); TLS sockets ignore it and emit 'data'.
 */
export function openConnection(
  rt: ClusterRuntime,
  host: UpstreamHost,
  cb: OpenCallback,
  onRead?: ReadCallback,
): OpeningConnection {
  const { stats } = rt;
  const started = performance.now();
  const lookup = rt.lookupFor ? { lookup: rt.lookupFor(host.address.port) } : undefined;
  const socket: net.Socket = rt.tlsOptions
    ? tls.connect({ ...rt.tlsOptions, host: host.address.host, port: host.address.port, ...lookup })
    : onRead
      ? net.connect({
          host: host.address.host,
          port: host.address.port,
          onread: connectReadOptions(onRead),
          ...lookup,
        })
      : net.connect({ host: host.address.host, port: host.address.port, ...lookup });
  if (onRead && !rt.tlsOptions) directReads(socket, onRead);
  socket.setNoDelay(true);
  stats.upstreamCxTotal.inc();
  stats.upstreamCxActive.inc();
  host.stats.cxTotal++;
  host.stats.cxActive++;
  let connecting = true;
  let aborted = false;

  const fail = (failure: UpstreamFailure): void => {
    if (!connecting) return;
    connecting = false;
    clearTimeout(timer);
    stats.upstreamCxConnectFail.inc();
    host.stats.cxConnectFail++;
    socket.destroy();
    if (!aborted) cb(failure, undefined);
  };

  const timer = setTimeout(() => {
    stats.upstreamCxConnectTimeout.inc();
    fail({ kind: 'connect_timeout', responseFlag: 'UF', message: 'connection timeout' });
  }, rt.config.connectTimeoutMs);
  timer.unref();

  socket.on(rt.tlsOptions ? 'secureConnect' : 'connect', () => {
    if (!connecting) return;
    connecting = false;
    clearTimeout(timer);
    stats.upstreamCxConnectMs.record(performance.now() - started);
    if (aborted) socket.destroy();
    else cb(undefined, socket);
  });
  // A permanent listener: errors end in 'close', where the accounting happens; users add their own.
  socket.on('error', (err) =>
    fail({ kind: 'connect_failure', responseFlag: 'UF', message: failureReason(err) }),
  );
  const doneCounting = countBytes(
    stats.scope,
    socket,
    stats.upstreamCxRxBytesTotal,
    stats.upstreamCxTxBytesTotal,
  );
  let settled = false;
  const settle = (): void => {
    if (settled) return;
    settled = true;
    stats.upstreamCxActive.dec();
    stats.upstreamCxDestroy.inc();
    host.stats.cxActive--;
    rt.breakers.release('connections');
    stats.upstreamCxLengthMs.record(performance.now() - started);
    doneCounting();
  };
  socket.once('close', () => {
    fail({ kind: 'connect_failure', responseFlag: 'UF', message: 'connection closed while connecting' });
    settle();
  });

  return {
    abort(): void {
      if (!connecting) return;
      aborted = true;
      connecting = false;
      clearTimeout(timer);
      socket.destroy();
    },
    close(): void {
      if (connecting) return;
      socket.destroy();
      settle();
    },
  };
}

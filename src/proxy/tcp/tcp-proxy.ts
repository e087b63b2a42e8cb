// Envoy's tcp_proxy network filter: pick a cluster (or a weighted one), a host, connect, and pipe
// bytes both ways with backpressure until either side closes or the idle timeout passes.
import type { Socket } from 'node:net';
import type { TcpProxyConfig } from '../config/index.ts';
import { type AccessLogSink, type ClusterLookup, openAccessLogs } from '../http/index.ts';
import {
  type Counter,
  countBytes,
  type Gauge,
  newStreamInfo,
  ResponseFlag,
  type StatsScope,
} from '../observe/index.ts';
import type { UpstreamFailure } from '../upstream/index.ts';

interface TcpStats {
  downstreamCxTotal: Counter;
  downstreamCxNoRoute: Counter;
  downstreamCxRxBytesTotal: Counter;
  downstreamCxTxBytesTotal: Counter;
  downstreamFlowControlPausedReadingTotal: Counter;
  idleTimeout: Counter;
  upstreamFlushTotal: Counter;
  upstreamFlushActive: Gauge;
}

export interface CompiledTcpProxy {
  readonly config: TcpProxyConfig;
  readonly stats: TcpStats;
  /** tcp.<stat_prefix>.: byte counts of open connections are flushed into it when it is read. */
  readonly scope: StatsScope;
  readonly clusters: ClusterLookup;
  readonly accessLogs: AccessLogSink[];
  pickCluster(random: number): string;
}

export function compileTcpProxy(
  config: TcpProxyConfig,
  ctx: { clusters: ClusterLookup; stats: StatsScope },
): { ok: true; tcp: CompiledTcpProxy } | { ok: false; errors: string[] } {
  const logs = openAccessLogs(config.accessLog);
  if (!logs.ok) return logs;
  const weighted = config.weightedClusters ?? [];
  const total = weighted.reduce((a, w) => a + w.weight, 0);
  if (!config.cluster && total <= 0)
    return { ok: false, errors: ['tcp_proxy: no cluster and no weighted_clusters'] };
  const scope = ctx.stats.scope(`tcp.${config.statPrefix}.`);
  const stats: TcpStats = {
    downstreamCxTotal: scope.counter('downstream_cx_total'),
    downstreamCxNoRoute: scope.counter('downstream_cx_no_route'),
    downstreamCxRxBytesTotal: scope.counter('downstream_cx_rx_bytes_total'),
    downstreamCxTxBytesTotal: scope.counter('downstream_cx_tx_bytes_total'),
    downstreamFlowControlPausedReadingTotal: scope.counter('downstream_flow_control_paused_reading_total'),
    idleTimeout: scope.counter('idle_timeout'),
    upstreamFlushTotal: scope.counter('upstream_flush_total'),
    upstreamFlushActive: scope.gauge('upstream_flush_active'),
  };
  const pickCluster = (random: number): string => {
    if (config.cluster) return config.cluster;
    let x = random * total;
    for (const w of weighted) {
      if (x < w.weight) return w.name;
      x -= w.weight;
    }
    return weighted[weighted.length - 1]!.name;
  };
  return {
    ok: true,
    tcp: { config, stats, scope, clusters: ctx.clusters, accessLogs: logs.sinks, pickCluster },
  };
}

/** Proxies one accepted (or TLS-terminated) connection. `initial` are bytes already read. */
export function serveTcp(down: Socket, tcp: CompiledTcpProxy, initial?: Buffer): void {
  const stats = tcp.stats;
  stats.downstreamCxTotal.inc();
  const info = newStreamInfo(Date.now());
  const name = tcp.pickCluster(Math.random());
  info.upstreamCluster = name;
  info.downstreamRemoteAddress = `${down.remoteAddress}:${down.remotePort}`;
  let up: Socket | undefined;
  let finished = false;
  let idle: ByteIdleTimer | undefined;
  const held: Buffer[] = initial && initial.length > 0 ? [initial] : [];
  const doneCounting = countBytes(
    tcp.scope,
    down,
    stats.downstreamCxRxBytesTotal,
    stats.downstreamCxTxBytesTotal,
  );
  const finish = () => {
    if (finished) return;
    finished = true;
    idle?.stop();
    info.durationMs = Date.now() - info.startTimeMs;
    info.bytesReceived = down.bytesRead;
    info.bytesSent = down.bytesWritten;
    doneCounting();
    for (const log of tcp.accessLogs) log.log(info);
  };
  const onEarlyData = (chunk: Buffer) => held.push(chunk);
  // Half-close is the peer's to decide (Envoy propagates each FIN): without this, node answers a
  // client's FIN by closing, and the upstream's reply to `printf req | nc` never arrives.
  down.allowHalfOpen = true;
  down.on('data', onEarlyData);
  down.on('error', () => {});
  down.on('close', () => {
    finish();
    up?.destroy();
  });
  const cluster = tcp.clusters.get(name);
  if (!cluster) {
    stats.downstreamCxNoRoute.inc();
    info.responseFlags |= ResponseFlag.NoClusterFound;
    down.destroy();
    return;
  }
  idle =
    tcp.config.idleTimeoutMs > 0
      ? new ByteIdleTimer(
          tcp.config.idleTimeoutMs,
          () => {
            stats.idleTimeout.inc();
            down.destroy();
          },
          () => down.bytesRead + down.bytesWritten,
        )
      : undefined;
  // max_connect_attempts: each failed connect (not an overflow) tries again, a host chosen anew.
  let attempts = 0;
  const attempt = (): void => {
    // An ORIGINAL_DST cluster connects where the connection was going: for a captured connection
    // its local address (the original destination under TPROXY; SO_ORIGINAL_DST is still to come).
    const host = cluster.chooseHost(
      cluster.config.discovery === 'ORIGINAL_DST'
        ? { downstreamLocalAddress: `${down.localAddress}:${down.localPort}`, localAddressRestored: true }
        : undefined,
    );
    if (!host) {
      // chooseHost counted upstream_cx_none_healthy.
      info.responseFlags |= ResponseFlag.NoHealthyUpstream;
      down.destroy();
      return;
    }
    info.upstreamHost = host.addressText;
    attempts++;
    cluster.connect(host, onConnected);
  };
  const onConnected = (failure: UpstreamFailure | undefined, socket: Socket | undefined): void => {
    if (failure || !socket) {
      // The client left while connecting: nothing to retry or to report (its log is written).
      if (down.destroyed) return;
      const overflow = failure?.responseFlag === 'UO';
      if (!overflow && attempts < tcp.config.maxConnectAttempts) {
        attempt();
        return;
      }
      if (overflow) info.responseFlags |= ResponseFlag.UpstreamOverflow;
      else {
        // Envoy's tcp_proxy: the cluster's counter and URX once the attempts are used up (one
        // attempt, the default, included), beside UF for the failed connect.
        cluster.stats.upstreamCxConnectAttemptsExceeded.inc();
        info.responseFlags |=
          ResponseFlag.UpstreamConnectionFailure | ResponseFlag.UpstreamRetryLimitExceeded;
      }
      info.upstreamTransportFailureReason = failure?.message;
      down.destroy();
      return;
    }
    if (down.destroyed) {
      socket.destroy();
      return;
    }
    up = socket;
    socket.allowHalfOpen = true;
    down.off('data', onEarlyData);
    socket.on('error', () => {});
    socket.on('close', () => down.destroy());
    for (const b of held) socket.write(b);
    held.length = 0;
    // pipe() does not forward an end that happened before it was set up.
    if (down.readableEnded) socket.end();
    // pipe() gives backpressure both ways and propagates half-close (FIN) as Envoy does.
    down.pipe(socket);
    socket.pipe(down);
    socket.on('drain', () => {});
    down.on('pause', () => stats.downstreamFlowControlPausedReadingTotal.inc());
  };
  attempt();
}

/** Quiet checks in a row that make the idle timeout: it fires between ms and 1.25 × ms. */
const QUIET_CHECKS = 4;

/**
 * Idle when no byte moved either way for `ms`, checked by byte counts (not per chunk) every
 * ms / QUIET_CHECKS: a check per idle period would fire anywhere up to twice the setting.
 */
class ByteIdleTimer {
  private last: number;
  private quiet = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(ms: number, onIdle: () => void, bytes: () => number) {
    this.last = bytes();
    this.timer = setInterval(() => {
      const now = bytes();
      if (now !== this.last) {
        this.last = now;
        this.quiet = 0;
      } else if (++this.quiet >= QUIET_CHECKS) {
        this.stop();
        onIdle();
      }
    }, ms / QUIET_CHECKS);
    this.timer.unref();
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

// Envoy's ORIGINAL_DST cluster (Istio's PassthroughCluster): no configured endpoints; the host of
// each connection or request is its destination, created on first use and removed when a sweep
// every cleanup_interval finds it unused since the previous one. The destination is, in order:
// - use_http_header: the request header (default x-envoy-original-dst-host) when it is 'ip:port';
// - a connection that came through transparent capture: its original destination (for now the
//   socket's local address, which is the original one under TPROXY);
// - an HTTP request on an explicit-proxy listener (local mode: the app used HTTP_PROXY, so the
//   local address is the proxy itself): the request's authority, an IP literal as is and a name
//   resolved asynchronously by dns.lookup when connecting (where Envoy's dynamic forward proxy plays);
// upstream_port_override then replaces the port. A destination that is one of this proxy's own
// listeners is refused (503 with the reason) rather than connected to: that request would loop.

import dns from 'node:dns';
import net from 'node:net';
import type tls from 'node:tls';
import type { ClusterConfig, OriginalDstConfig } from '../config/index.ts';
import type { StatsScope } from '../observe/index.ts';
import { ClusterCircuitBreakers } from './circuit-breakers.ts';
import { ClusterStats } from './cluster-stats.ts';
import { type ClusterRuntime, openConnection } from './connect.ts';
import { Host, newHostStats } from './host.ts';
import type {
  AcquireCallback,
  ChooseHostContext,
  ConnectCallback,
  Http1Pool,
  PendingAcquire,
  UpstreamCluster,
  UpstreamFailure,
  UpstreamHost,
} from './types.ts';
import { deliverAcquire } from './types.ts';

/** Whether ip:port is one of this proxy's bound listeners (the proxy knows; tests may omit it). */
export type OwnListenerCheck = (ip: string, port: number) => boolean;

const DEFAULTS: OriginalDstConfig = {
  cleanupIntervalMs: 5_000,
  useHttpHeader: false,
  httpHeaderName: 'x-envoy-original-dst-host',
};
const LOCALITY = { locality: { region: '', zone: '', subZone: '' }, priority: 0, endpoints: [] };
/** A DNS name as an authority may carry it (letters, digits, '-', '_', '.'), at most 253 characters. */
const NAME = /^[a-z0-9_](?:[a-z0-9_.-]{0,251}[a-z0-9_.])?$/i;

interface Destination {
  host: string;
  port: number;
  /** 'ip:port', '[v6]:port' or 'name:port': the host's key and address text. */
  text: string;
}

interface Entry {
  host: Host;
  used: boolean;
}

export class OriginalDstCluster implements UpstreamCluster {
  readonly name: string;
  readonly stats: ClusterStats;
  readonly circuitBreakers: ClusterCircuitBreakers;
  private readonly rt: ClusterRuntime;
  private readonly ownListener: OwnListenerCheck | undefined;
  /** Local addresses of connections that were not captured: the proxy's own listeners, as met. */
  private readonly seenListeners = new Set<string>();
  private readonly byKey = new Map<string, Entry>();
  hosts: readonly UpstreamHost[] = [];
  healthyHosts: readonly UpstreamHost[] = [];
  private timer: NodeJS.Timeout | undefined;
  private intervalMs = 0;

  constructor(
    config: ClusterConfig,
    scope: StatsScope,
    tlsOptions: tls.ConnectionOptions | undefined,
    ownListener?: OwnListenerCheck,
  ) {
    this.name = config.name;
    this.ownListener = ownListener;
    this.stats = new ClusterStats(scope.scope(`cluster.${config.altStatName ?? config.name}.`));
    this.circuitBreakers = new ClusterCircuitBreakers(config.circuitBreakers, this.stats);
    this.rt = {
      config,
      stats: this.stats,
      breakers: this.circuitBreakers,
      tlsOptions,
      lookupFor: (port) => this.guardedLookup(port),
    };
    this.schedule();
  }

  get config(): ClusterConfig {
    return this.rt.config;
  }

  private get od(): OriginalDstConfig {
    return this.rt.config.originalDst ?? DEFAULTS;
  }

  /** A new config: hosts stay unless the way of connecting (TLS) changed. */
  apply(config: ClusterConfig, tlsOptions: tls.ConnectionOptions | undefined): void {
    const tlsChanged = JSON.stringify(config.tls) !== JSON.stringify(this.rt.config.tls);
    this.rt.config = config;
    this.rt.tlsOptions = tlsOptions;
    this.circuitBreakers.setThresholds(config.circuitBreakers);
    if (tlsChanged) this.removeAll();
    this.schedule();
  }

  chooseHost(ctx?: ChooseHostContext): UpstreamHost | undefined {
    const dest = this.destination(ctx);
    if (dest === undefined) {
      this.stats.upstreamCxNoneHealthy.inc();
      return undefined;
    }
    if (net.isIP(dest.host) !== 0 && this.isOwnListener(dest.host, dest.port))
      return new RefusedHost(dest, loopMessage(dest.text));
    let entry = this.byKey.get(dest.text);
    if (entry === undefined) {
      const host = new Host(
        this.rt,
        {
          address: { host: dest.host, port: dest.port },
          healthStatus: 'HEALTHY',
          weight: 1,
          metadata: {},
        },
        LOCALITY,
      );
      entry = { host, used: true };
      this.byKey.set(dest.text, entry);
      this.publishHosts();
    }
    entry.used = true;
    return entry.host;
  }

  connect(host: UpstreamHost, cb: ConnectCallback): PendingAcquire {
    if (host instanceof RefusedHost) {
      cb(host.failure, undefined);
      return { cancel() {} };
    }
    if (!this.circuitBreakers.tryAcquire('connections')) {
      cb({ kind: 'overflow', responseFlag: 'UO', message: 'overflow' }, undefined);
      return { cancel() {} };
    }
    const opening = openConnection(this.rt, host, cb);
    return { cancel: () => opening.abort() };
  }

  /** Hosts now known, by address text (tests and admin). */
  hostCount(): number {
    return this.byKey.size;
  }

  /** One sweep: hosts unused since the previous one go (their pools close idle sockets now, busy ones on release). */
  sweep(): void {
    let removed = false;
    for (const [key, entry] of this.byKey) {
      if (entry.used) {
        entry.used = false;
        continue;
      }
      this.byKey.delete(key);
      entry.host.pool.close();
      removed = true;
    }
    if (removed) this.publishHosts();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.removeAll();
  }

  private removeAll(): void {
    for (const entry of this.byKey.values()) entry.host.pool.close();
    this.byKey.clear();
    this.publishHosts();
  }

  private publishHosts(): void {
    const hosts = [...this.byKey.values()].map((e) => e.host);
    this.hosts = hosts;
    this.healthyHosts = hosts;
    this.stats.membershipTotal.set(hosts.length);
    this.stats.membershipHealthy.set(hosts.length);
  }

  private schedule(): void {
    const ms = this.od.cleanupIntervalMs;
    if (this.timer && ms === this.intervalMs) return;
    if (this.timer) clearInterval(this.timer);
    this.intervalMs = ms;
    this.timer = setInterval(() => this.sweep(), ms);
    this.timer.unref();
  }

  private destination(ctx: ChooseHostContext | undefined): Destination | undefined {
    if (ctx === undefined) return undefined;
    const od = this.od;
    const local = ctx.downstreamLocalAddress ? parseHostPort(ctx.downstreamLocalAddress, 0) : undefined;
    // Where a client that was not captured connected is a listener of this proxy.
    if (local && !ctx.localAddressRestored && net.isIP(local.host) !== 0) this.seenListeners.add(local.text);
    let dest: Destination | undefined;
    if (od.useHttpHeader && ctx.headers) {
      const v = ctx.headers.get(od.httpHeaderName);
      const parsed = v === undefined ? undefined : parseHostPort(v.trim(), 0);
      // Envoy takes only an IP address and port from the header.
      if (parsed && net.isIP(parsed.host) !== 0 && parsed.port > 0) dest = parsed;
    }
    if (dest === undefined && ctx.localAddressRestored && local && local.port > 0) dest = local;
    if (dest === undefined && ctx.authority) dest = parseHostPort(ctx.authority, 80);
    if (dest === undefined || dest.port === 0) return undefined;
    const port = od.upstreamPortOverride;
    return port === undefined || port === dest.port ? dest : withPort(dest, port);
  }

  private isOwnListener(ip: string, port: number): boolean {
    const addr = unmapped(ip);
    if (this.ownListener?.(addr, port)) return true;
    return this.seenListeners.has(hostPortText(addr, port));
  }

  /** dns.lookup, failing instead of answering with an address of this proxy's own listener. */
  private guardedLookup(port: number): net.LookupFunction {
    return (hostname, options, callback) => {
      dns.lookup(hostname, options, (err, address, family) => {
        if (err) {
          callback(err, address, family);
          return;
        }
        const list: { address: string; family: number }[] = Array.isArray(address)
          ? address
          : [{ address, family: family ?? 4 }];
        const own = list.find((a) => this.isOwnListener(a.address, port));
        if (own) {
          const text = hostPortText(unmapped(own.address), port);
          callback(new Error(loopMessage(`${hostname}:${port} (${text})`)), '', 0);
          return;
        }
        callback(null, address, family);
      });
    };
  }
}

function loopMessage(dest: string): string {
  return `original destination ${dest} is this proxy's own listener; not connecting, the request would loop back to it`;
}

/** A destination refused before connecting: every acquire or connect fails with the reason. */
class RefusedHost implements UpstreamHost {
  readonly address: { host: string; port: number };
  readonly addressText: string;
  weight = 1;
  health = 'HEALTHY' as const;
  readonly hostname = '';
  readonly locality = LOCALITY.locality;
  readonly priority = 0;
  readonly stats = newHostStats();
  readonly outlier = undefined;
  readonly outlierEjected = false;
  readonly failure: UpstreamFailure;
  readonly pool: Http1Pool;

  constructor(dest: Destination, message: string) {
    this.address = { host: dest.host, port: dest.port };
    this.addressText = dest.text;
    this.failure = { kind: 'connect_failure', responseFlag: 'UF', message };
    const failure = this.failure;
    this.pool = {
      acquire(cb: AcquireCallback): PendingAcquire | undefined {
        deliverAcquire(cb, failure, undefined);
        return undefined;
      },
      release(conn) {
        conn.socket.destroy();
      },
      idleCount: 0,
      openCount: 0,
      pendingCount: 0,
      close() {},
    };
  }
}

/** '::ffff:127.0.0.1' → '127.0.0.1', so both forms compare equal. */
function unmapped(ip: string): string {
  return ip.startsWith('::ffff:') && net.isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

function hostPortText(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

function withPort(d: Destination, port: number): Destination {
  return { host: d.host, port, text: hostPortText(d.host, port) };
}

/**
 * 'host:port', '[v6]:port', 'host' (defaultPort), or an unbracketed IPv6 address (as node gives a
 * socket's local address), else undefined. Names are lower-cased; only DNS-name characters pass.
 */
export function parseHostPort(text: string, defaultPort: number): Destination | undefined {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end === -1) return undefined;
    host = text.slice(1, end);
    const rest = text.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':')) return undefined;
    portText = rest === '' ? undefined : rest.slice(1);
    if (!net.isIPv6(host)) return undefined;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon !== -1 && text.indexOf(':') !== colon) {
      // Several colons: an IPv6 address with its port after the last one (a local address) or none.
      const head = text.slice(0, colon);
      if (net.isIPv6(head) && /^\d+$/.test(text.slice(colon + 1))) {
        host = head;
        portText = text.slice(colon + 1);
      } else if (net.isIPv6(text)) host = text;
      else return undefined;
    } else {
      host = colon === -1 ? text : text.slice(0, colon);
      portText = colon === -1 ? undefined : text.slice(colon + 1);
    }
  }
  host = unmapped(host.toLowerCase());
  if (net.isIP(host) === 0 && !NAME.test(host)) return undefined;
  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return undefined;
    port = Number(portText);
    if (port < 1 || port > 65_535) return undefined;
  }
  return { host, port, text: hostPortText(host, port) };
}

// Binds listeners, picks a filter chain per connection (peeking the TLS ClientHello when the
// listener has tls_inspector), terminates TLS with node:tls, and hands the socket to the HTTP
// connection manager or the TCP proxy. update() swaps compiled listeners: new connections get the
// new chains; connections already open keep the chain they were given, and when only routes or
// clusters changed, that chain's HCM provider hands them the new routes for their next request.
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, type SecureContext, TLSSocket } from 'node:tls';
import { isDeepStrictEqual } from 'node:util';
import type { FilterChainConfig, ListenerConfig, RouteConfig, SocketAddress } from '../config/index.ts';
import { type ClusterLookup, compileHcm, type HcmProvider, serveHttp1 } from '../http/index.ts';
import type { Counter, Gauge, StatsScope } from '../observe/index.ts';
import { type CompiledTcpProxy, compileTcpProxy, serveTcp } from '../tcp/index.ts';
import { type CompiledMatch, compileMatch, selectChain } from './chain-match.ts';
import { MAX_HELLO_BYTES, peekClientHello } from './client-hello.ts';

interface CompiledChain {
  name: string;
  tls: { context: SecureContext; requestCert: boolean; alpn: string[] } | undefined;
  http: HcmProvider | undefined;
  tcp: CompiledTcpProxy | undefined;
}

interface ListenerStats {
  downstreamCxTotal: Counter;
  downstreamCxActive: Gauge;
  downstreamCxDestroy: Counter;
  noFilterChainMatch: Counter;
}

interface CompiledListener {
  config: ListenerConfig;
  chains: CompiledMatch<CompiledChain>[];
  defaultChain: CompiledChain | undefined;
  inspectTls: boolean;
  stats: ListenerStats;
}

export interface ListenerContext {
  clusters: ClusterLookup;
  stats: StatsScope;
  routes: ReadonlyMap<string, RouteConfig>;
  listenerScope?: StatsScope;
}

function compileChain(fc: FilterChainConfig, ctx: ListenerContext): CompiledChain | string[] {
  let tls: CompiledChain['tls'];
  if (fc.tls) {
    if (!fc.tls.certificateChain || !fc.tls.privateKey) {
      return [`filter chain ${fc.name}: TLS needs an inline certificate (SDS secrets are not resolved here)`];
    }
    try {
      const context = createSecureContext({
        cert: fc.tls.certificateChain,
        key: fc.tls.privateKey,
        ca: fc.tls.trustedCa,
      });
      tls = { context, requestCert: fc.tls.requireClientCertificate, alpn: fc.tls.alpnProtocols };
    } catch (err) {
      return [`filter chain ${fc.name}: bad TLS certificate or key: ${(err as Error).message}`];
    }
  }
  if (fc.filter.kind === 'http_connection_manager') {
    const r = compileHcm(fc.filter, ctx);
    if (!r.ok) return r.errors.map((e) => `filter chain ${fc.name}: ${e}`);
    return { name: fc.name, tls, http: { current: r.hcm }, tcp: undefined };
  }
  const r = compileTcpProxy(fc.filter, ctx);
  if (!r.ok) return r.errors.map((e) => `filter chain ${fc.name}: ${e}`);
  return { name: fc.name, tls, http: undefined, tcp: r.tcp };
}

export function compileListener(cfg: ListenerConfig, ctx: ListenerContext): CompiledListener | string[] {
  const errors: string[] = [];
  const chains: CompiledMatch<CompiledChain>[] = [];
  const scope = ctx.stats.scope(`listener.${cfg.statPrefix}.`);
  ctx = { ...ctx, listenerScope: scope };
  for (const fc of cfg.filterChains) {
    const c = compileChain(fc, ctx);
    if (Array.isArray(c)) {
      errors.push(...c);
      continue;
    }
    const m = compileMatch(fc.match, c);
    if (typeof m === 'string') errors.push(`filter chain ${fc.name}: ${m}`);
    else chains.push(m);
  }
  let defaultChain: CompiledChain | undefined;
  if (cfg.defaultFilterChain) {
    const c = compileChain(cfg.defaultFilterChain, ctx);
    if (Array.isArray(c)) errors.push(...c);
    else defaultChain = c;
  }
  if (errors.length > 0) return errors.map((e) => `listener ${cfg.name}: ${e}`);
  return {
    config: cfg,
    chains,
    defaultChain,
    inspectTls: cfg.listenerFilters.includes('envoy.filters.listener.tls_inspector'),
    stats: {
      downstreamCxTotal: scope.counter('downstream_cx_total'),
      downstreamCxActive: scope.gauge('downstream_cx_active'),
      downstreamCxDestroy: scope.counter('downstream_cx_destroy'),
      noFilterChainMatch: scope.counter('no_filter_chain_match'),
    },
  };
}

/** Gives `next` the provider of `prev` (same place in an unchanged listener), now holding next's HCM. */
function carryProvider(prev: CompiledChain, next: CompiledChain): void {
  if (prev.http === undefined || next.http === undefined) return;
  prev.http.current = next.http.current;
  next.http = prev.http;
}

/**
 * Envoy's worker threads (--concurrency) as Weft has them: one event loop, and `concurrency`
 * logical workers. Each accepted connection is bound to one for its lifetime, in turn across all
 * listeners (as Envoy's exact connection balancing would spread them; the kernel's default
 * balancing spreads a handful of simultaneous connections much the same way). What a worker owns
 * is its upstream connection pools: a request uses its connection's worker's pool to each host.
 */
export class Workers {
  readonly concurrency: number;
  private next = 0;

  constructor(concurrency: number) {
    this.concurrency = Number.isInteger(concurrency) && concurrency >= 1 ? concurrency : 1;
  }

  /** The worker for the next accepted connection. */
  assign(): number {
    const w = this.next;
    this.next = w + 1 === this.concurrency ? 0 : w + 1;
    return w;
  }
}

/** A bound listener whose compiled config can be swapped. */
export class ActiveListener {
  private current: CompiledListener;
  private readonly server: Server;
  private readonly workers: Workers;
  private readonly sockets = new Set<Socket>();
  address: SocketAddress;

  private constructor(compiled: CompiledListener, server: Server, address: SocketAddress, workers: Workers) {
    this.current = compiled;
    this.server = server;
    this.address = address;
    this.workers = workers;
  }

  static bind(compiled: CompiledListener, workers: Workers = new Workers(1)): Promise<ActiveListener> {
    return new Promise((resolve, reject) => {
      const server = createServer({ noDelay: true });
      let active: ActiveListener | undefined;
      server.on('connection', (s) => active?.accept(s));
      server.once('error', reject);
      const { host, port } = compiled.config.address;
      server.listen({ host, port }, () => {
        server.off('error', reject);
        const a = server.address();
        const bound = typeof a === 'object' && a ? { host: a.address, port: a.port } : { host, port };
        active = new ActiveListener(compiled, server, bound, workers);
        resolve(active);
      });
    });
  }

  get config(): ListenerConfig {
    return this.current.config;
  }

  /**
   * Swaps in the listener compiled from a new snapshot. If the listener's own config is the same
   * (the update moved routes or clusters: Envoy's RDS/CDS/EDS), its chains keep their HCM
   * providers, now holding the new HCMs, so open connections use them from their next request.
   * A changed listener (LDS) gets new providers: open connections keep the chain they had.
   */
  update(next: CompiledListener): void {
    const prev = this.current;
    if (prev.config === next.config || isDeepStrictEqual(prev.config, next.config)) {
      // Equal configs compile to the same chains in the same order.
      for (let i = 0; i < next.chains.length; i++)
        carryProvider(prev.chains[i]!.value, next.chains[i]!.value);
      if (prev.defaultChain && next.defaultChain) carryProvider(prev.defaultChain, next.defaultChain);
    }
    this.current = next;
  }

  private accept(socket: Socket): void {
    const l = this.current;
    const worker = this.workers.assign();
    l.stats.downstreamCxTotal.inc();
    l.stats.downstreamCxActive.inc();
    this.sockets.add(socket);
    socket.on('close', () => {
      l.stats.downstreamCxActive.dec();
      l.stats.downstreamCxDestroy.inc();
      this.sockets.delete(socket);
    });
    socket.on('error', () => {});
    if (!l.inspectTls) {
      this.dispatch(l, socket, worker, undefined, 'raw_buffer', '', []);
      return;
    }
    let buf: Buffer | undefined;
    const onPeek = (chunk: Buffer) => {
      buf = buf ? Buffer.concat([buf, chunk]) : chunk;
      const r = peekClientHello(buf);
      if (r.kind === 'incomplete' && buf.length < MAX_HELLO_BYTES) return;
      socket.off('data', onPeek);
      socket.pause();
      if (r.kind === 'tls') this.dispatch(l, socket, worker, buf, 'tls', r.serverName, r.alpn);
      else this.dispatch(l, socket, worker, buf, 'raw_buffer', '', []);
    };
    socket.on('data', onPeek);
  }

  private dispatch(
    l: CompiledListener,
    socket: Socket,
    worker: number,
    initial: Buffer | undefined,
    transportProtocol: 'raw_buffer' | 'tls',
    serverName: string,
    alpn: string[],
  ): void {
    const chain =
      selectChain(l.chains, {
        destinationPort: socket.localPort ?? 0,
        destinationIp: socket.localAddress ?? '',
        sourceIp: socket.remoteAddress ?? '',
        serverName,
        transportProtocol,
        alpn,
      }) ?? l.defaultChain;
    if (!chain) {
      l.stats.noFilterChainMatch.inc();
      socket.destroy();
      return;
    }
    const remoteAddress = socket.remoteAddress ?? '';
    const remotePort = socket.remotePort ?? 0;
    const info = {
      scheme: 'http' as 'http' | 'https',
      remoteAddress,
      remotePort,
      remoteAddressText: remoteAddress.includes(':')
        ? `[${remoteAddress}]:${remotePort}`
        : `${remoteAddress}:${remotePort}`,
      localAddress: `${socket.localAddress}:${socket.localPort}`,
      requestedServerName: serverName || undefined,
      worker,
    };
    if (chain.tls) {
      if (initial) socket.unshift(initial);
      const tlsSocket = new TLSSocket(socket, {
        isServer: true,
        secureContext: chain.tls.context,
        requestCert: chain.tls.requestCert,
        rejectUnauthorized: chain.tls.requestCert,
        ALPNProtocols: chain.tls.alpn.length > 0 ? chain.tls.alpn : undefined,
      });
      tlsSocket.on('error', () => socket.destroy());
      tlsSocket.once('secure', () => {
        info.scheme = 'https';
        this.serve(chain, tlsSocket, info, undefined);
      });
      // No socket.resume() here: the TLSSocket reads the handle itself and takes the peeked bytes
      // from the socket's buffer; resuming the raw socket made it eat the handshake instead.
      return;
    }
    if (socket.isPaused()) socket.resume();
    this.serve(chain, socket, info, initial);
  }

  private serve(
    chain: CompiledChain,
    socket: Socket,
    info: Parameters<typeof serveHttp1>[2],
    initial: Buffer | undefined,
  ): void {
    if (chain.http) serveHttp1(socket, chain.http, info, initial);
    else if (chain.tcp) serveTcp(socket, chain.tcp, initial);
  }

  /** Stops accepting; open connections are left to finish (drain). `force` closes them too. */
  close(force = false): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      if (force) for (const s of this.sockets) s.destroy();
    });
  }

  get connectionCount(): number {
    return this.sockets.size;
  }
}

// Builders for proxy snapshots and raw-socket helpers for the conformance tests.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type {
  ClusterConfig,
  FilterChainConfig,
  HttpConnectionManagerConfig,
  ListenerConfig,
  ProxySnapshot,
  RouteActionConfig,
  RouteConfig,
  RouteEntryConfig,
  TcpProxyConfig,
} from '../../src/proxy/config/index.ts';

const noMutation = () => ({ add: [], remove: [] });

export function routeAction(cluster: string, extra: Partial<RouteActionConfig> = {}): RouteActionConfig {
  return {
    kind: 'route',
    cluster,
    autoHostRewrite: false,
    timeoutMs: 15000,
    hashPolicy: [],
    mirrors: [],
    upgrades: [],
    ...extra,
  };
}

export function route(prefix: string, action: RouteEntryConfig['action'], name = prefix): RouteEntryConfig {
  return {
    name,
    match: {
      path: { kind: 'prefix', value: prefix },
      caseSensitive: true,
      headers: [],
      queryParameters: [],
      grpc: false,
    },
    action,
    requestHeaders: noMutation(),
    responseHeaders: noMutation(),
    perFilterConfig: {},
  };
}

export function routeConfig(routes: RouteEntryConfig[], domains = ['*']): RouteConfig {
  return {
    name: 'rc',
    virtualHosts: [
      { name: 'vh', domains, routes, requestHeaders: noMutation(), responseHeaders: noMutation() },
    ],
    requestHeaders: noMutation(),
    responseHeaders: noMutation(),
  };
}

export function hcm(
  rc: RouteConfig,
  extra: Partial<HttpConnectionManagerConfig> = {},
): HttpConnectionManagerConfig {
  return {
    kind: 'http_connection_manager',
    statPrefix: 'ingress_http',
    codec: 'AUTO',
    routeConfig: rc,
    httpFilters: [{ name: 'envoy.filters.http.router', config: {} }],
    requestTimeoutMs: 0,
    requestHeadersTimeoutMs: 10000,
    streamIdleTimeoutMs: 300000,
    idleTimeoutMs: 3600000,
    maxRequestHeadersKb: 60,
    maxHeadersCount: 100,
    useRemoteAddress: true,
    xffNumTrustedHops: 0,
    skipXffAppend: false,
    generateRequestId: true,
    proxy100Continue: false,
    acceptHttp10: false,
    defaultHostForHttp10: '',
    preserveExternalRequestId: false,
    serverName: 'envoy',
    serverHeaderTransformation: 'OVERWRITE',
    normalizePath: false,
    mergeSlashes: false,
    upgrades: [],
    accessLog: [],
    ...extra,
  };
}

export function tcpProxy(cluster: string | { name: string; weight: number }[]): TcpProxyConfig {
  return {
    kind: 'tcp_proxy',
    statPrefix: 'tcp_in',
    ...(typeof cluster === 'string' ? { cluster } : { weightedClusters: cluster }),
    idleTimeoutMs: 3600000,
    maxConnectAttempts: 1,
    accessLog: [],
  };
}

export function chain(
  filter: FilterChainConfig['filter'],
  extra: Partial<FilterChainConfig> = {},
): FilterChainConfig {
  return {
    name: 'fc',
    match: { prefixRanges: [], sourcePrefixRanges: [], serverNames: [], applicationProtocols: [] },
    filter,
    ...extra,
  };
}

export function listener(
  name: string,
  chains: FilterChainConfig[],
  listenerFilters: string[] = [],
): ListenerConfig {
  return {
    name,
    address: { host: '127.0.0.1', port: 0 },
    filterChains: chains,
    listenerFilters,
    useOriginalDst: false,
    bindToPort: true,
    statPrefix: `127.0.0.1_0_${name}`,
    perConnectionBufferLimitBytes: 1024 * 1024,
  };
}

export function cluster(name: string, ports: number[], extra: Partial<ClusterConfig> = {}): ClusterConfig {
  return {
    name,
    discovery: 'STATIC',
    edsServiceName: name,
    loadAssignment: {
      clusterName: name,
      localities: [
        {
          locality: { region: '', zone: '', subZone: '' },
          priority: 0,
          endpoints: ports.map((port) => ({
            address: { host: '127.0.0.1', port },
            healthStatus: 'HEALTHY',
            weight: 1,
            metadata: {},
          })),
        },
      ],
    },
    connectTimeoutMs: 1000,
    lbPolicy: 'ROUND_ROBIN',
    ringHash: { minimumRingSize: 1024, maximumRingSize: 8388608 },
    maglev: { tableSize: 65537 },
    leastRequest: { choiceCount: 2 },
    circuitBreakers: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 },
    healthyPanicThreshold: 50,
    upstreamProtocol: 'http1',
    idleTimeoutMs: 3600000,
    maxRequestsPerConnection: 0,
    perConnectionBufferLimitBytes: 1024 * 1024,
    metadata: {},
    ...extra,
  };
}

export function snapshot(
  listeners: ListenerConfig[],
  clusters: ClusterConfig[],
  admin = false,
): ProxySnapshot {
  return {
    node: { id: 'test', cluster: 'test', metadata: {} },
    ...(admin ? { admin: { address: { host: '127.0.0.1', port: 0 } } } : {}),
    listeners,
    clusters,
    routes: new Map(),
    endpoints: new Map(),
    versions: { listeners: 'static', clusters: 'static', routes: 'static', endpoints: 'static' },
  };
}

/** A server on node:net that answers each connection with `handler` (full control of bytes). */
export async function rawServer(
  handler: (socket: Socket) => void,
): Promise<{ port: number; server: Server; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    handler(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    server,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A tiny HTTP/1.1 origin: reads heads with Content-Length bodies, answers `respond(head, body)`. */
export function httpOrigin(
  respond: (head: string, body: Buffer) => string,
): Promise<{ port: number; close(): Promise<void>; heads: string[] }> {
  const heads: string[] = [];
  return rawServer((s) => {
    let buf = Buffer.alloc(0);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buf.toString('latin1', 0, end);
        const m = /content-length: *(\d+)/i.exec(head);
        const len = m ? Number(m[1]) : 0;
        if (buf.length < end + 4 + len) return;
        const body = buf.subarray(end + 4, end + 4 + len);
        buf = buf.subarray(end + 4 + len);
        heads.push(head);
        s.write(respond(head, body));
      }
    });
  }).then((r) => ({ ...r, heads }));
}

/** Sends raw bytes, collects the reply until `done(text)` or the socket closes (bounded by 3 s). */
export function exchange(
  port: number,
  data: string | Buffer,
  done: (text: string) => boolean = () => false,
): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve(out);
    }, 3000);
    const finish = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(out);
    };
    s.on('data', (d) => {
      out += d.toString('latin1');
      if (done(out)) finish();
    });
    s.on('close', finish);
    s.on('error', finish);
    s.write(data);
  });
}

export function responses(text: string): number {
  return text.split(/HTTP\/1\.1 \d{3}/).length - 1;
}

export interface ParsedResponse {
  status: number;
  reason: string;
  /** Lower-cased names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: string;
  /** Everything received, for assertions on framing. */
  raw: string;
}

/** Parses the first response in `text` (Content-Length or chunked body); undefined if incomplete. */
export function parseResponse(text: string, noBody = false): ParsedResponse | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const lines = text.slice(0, end).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0]!);
  if (!m) return undefined;
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    const k = l.slice(0, i).toLowerCase();
    const v = l.slice(i + 1).trim();
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  const status = Number(m[1]);
  const rest = text.slice(end + 4);
  if (noBody || status === 204 || status === 304 || (status >= 100 && status < 200)) {
    return { status, reason: m[2]!, headers, body: '', raw: text };
  }
  if (headers['content-length'] !== undefined) {
    const len = Number(headers['content-length']);
    if (Buffer.byteLength(rest, 'latin1') < len) return undefined;
    return { status, reason: m[2]!, headers, body: rest.slice(0, len), raw: text };
  }
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    if (!/(^|\r\n)0\r\n(.*\r\n)*\r\n$/.test(rest)) return undefined;
    let body = '';
    let p = 0;
    for (;;) {
      const nl = rest.indexOf('\r\n', p);
      const size = Number.parseInt(rest.slice(p, nl), 16);
      if (size === 0) break;
      body += rest.slice(nl + 2, nl + 2 + size);
      p = nl + 2 + size + 2;
    }
    return { status, reason: m[2]!, headers, body, raw: text };
  }
  return undefined;
}

/** One request on a fresh connection; resolves with the parsed response (throws if none came). */
export async function request(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<ParsedResponse> {
  const all = { host: 'a', ...headers };
  const head =
    `${method} ${path} HTTP/1.1\r\n` +
    Object.entries(all)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    '\r\n';
  const noBody = method === 'HEAD';
  const text = await exchange(port, head, (s) => parseResponse(s, noBody) !== undefined);
  const r = parseResponse(text, noBody);
  if (!r) throw new Error(`no complete response to ${method} ${path}: ${JSON.stringify(text)}`);
  return r;
}

/** Counter values of a proxy's stats store by full name. */
export function counters(stats: { counters(): { name: string; value: number }[] }): Record<string, number> {
  return Object.fromEntries(stats.counters().map((c) => [c.name, c.value]));
}

/** A keep-alive client: one request at a time on one connection, each resolved with its response. */
export class KeepAliveClient {
  private readonly socket: Socket;
  private buf = '';
  private waiting:
    | { noBody: boolean; resolve: (r: ParsedResponse) => void; reject: (e: Error) => void }
    | undefined;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('error', () => {});
    this.socket.on('data', (d) => {
      this.buf += d.toString('latin1');
      this.check();
    });
    this.socket.on('close', () => this.waiting?.reject(new Error(`connection closed; got ${this.buf}`)));
  }

  private check(): void {
    const w = this.waiting;
    if (!w) return;
    const r = parseResponse(this.buf, w.noBody);
    if (!r) return;
    this.waiting = undefined;
    // The parsed response is the whole buffer only when nothing follows it (one request at a time).
    this.buf = '';
    w.resolve(r);
  }

  send(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<ParsedResponse> {
    const all = { host: 'a', ...headers };
    const head =
      `${method} ${path} HTTP/1.1\r\n` +
      Object.entries(all)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('') +
      '\r\n';
    return new Promise((resolve, reject) => {
      this.waiting = { noBody: method === 'HEAD', resolve, reject };
      this.socket.write(head);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

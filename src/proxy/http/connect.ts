// CONNECT on the HTTP connection manager, for clients that reach the sidecar's HTTP proxy listener
// through a tunnel even for http:// URLs (Node's fetch with NODE_USE_ENV_PROXY=1, curl -p, Go's
// clients with ProxyConnectHeader…). Unlike Envoy's CONNECT support (upgrade_configs CONNECT +
// connect_matcher), which relays the tunnel's bytes to one cluster as TCP, the proxy terminates
// the tunnel: once `200 Connection established` is out, the same connection manager reads the
// tunnel's bytes as HTTP/1.1 requests, each routed on its own Host (VirtualService rules, retries,
// faults, stats), the CONNECT authority standing in for a missing Host. A tunnel whose first
// bytes are TLS (https:// through the proxy) cannot be read so: it is relayed as TCP to the
// cluster its authority routes to, as Envoy relays every tunnel. See docs/proxy.md.
import type { Socket } from 'node:net';
import { HeaderMap } from '../headers/index.ts';
import type { NoRouteDecision, RouteTable } from '../router/index.ts';
import type { CompiledHcm } from './hcm-config.ts';
import { answerLocalDecision, type ReplyingStream } from './stream-reply.ts';
import type { DownstreamInfo } from './stream-types.ts';

const NO_ROUTE: NoRouteDecision = { kind: 'no_route' };
const ESTABLISHED = 'HTTP/1.1 200 Connection established\r\n\r\n';

/**
 * Answers a CONNECT request (stream.ts hands it here instead of routing it): 403 when the HCM's
 * upgrade_configs do not enable CONNECT (Envoy's upgrade_failed), 404 NR when its authority
 * matches no virtual host of the route table, else 200 and the connection carries the tunnel.
 */
export function answerConnect(stream: ReplyingStream, table: RouteTable | undefined): void {
  const conn = stream.conn;
  const hcm = conn.hcm;
  if (!hcm.config.upgrades.includes('connect')) {
    // Whatever the client sends next is meant for a tunnel, not a request: do not read it.
    conn.closeAfterResponse = true;
    stream.sendLocalReply(403, '', 'upgrade_failed', 0);
    return;
  }
  if (table === undefined || !table.hasVirtualHost(stream.authority)) {
    conn.closeAfterResponse = true;
    hcm.stats.rqTotal.inc();
    answerLocalDecision(stream, NO_ROUTE);
    return;
  }
  conn.beginTunnel(stream.authority);
  // The tunnel stays open as long as the client keeps it, whatever the CONNECT's own version said.
  stream.head.keepAlive = true;
  stream.responseStarted = true;
  stream.info.responseCodeDetails = 'connect_tunnel_established';
  stream.recordResponseCode(200);
  if (conn.socket.writable) conn.socket.write(ESTABLISHED, 'latin1');
  // The CONNECT stream ends here (its access log line, downstream_rq_2xx); the connection goes
  // back to reading request heads, now from inside the tunnel.
  stream.complete();
}

/** What the tunnel relay needs of the downstream connection. */
export interface TunnelDownstream {
  readonly socket: Socket;
  readonly hcm: CompiledHcm;
  readonly downstream: DownstreamInfo;
  readonly tunnelAuthority: string;
  /** Hands every further byte the client sends to `sink` (the connection stops parsing HTTP). */
  relayTo(sink: (data: Buffer) => void): void;
  destroy(): void;
}

/**
 * Whether the first bytes inside a tunnel are a TLS record: the client speaks TLS to the far end
 * (https:// through the proxy), so the bytes cannot be read as HTTP requests. An HTTP/1 request
 * never starts with 0x16.
 */
export function tunnelCarriesTls(first: Buffer): boolean {
  return first.length > 0 && first[0] === 0x16;
}

const EMPTY_HEADERS = new HeaderMap();

/**
 * Relays a tunnel that carries TLS as TCP, as Envoy does with every CONNECT tunnel: to a host of
 * the cluster the CONNECT authority routes to (for the allow_any passthrough, the authority
 * itself). Bytes already read (`initial`) go first; either side closing ends both. When nothing
 * routes the authority to a cluster with a host, the connection is closed: inside a tunnel there
 * is no way left to answer in HTTP.
 */
export function relayTunnel(conn: TunnelDownstream, initial: Buffer): void {
  const hcm = conn.hcm;
  const down = conn.socket;
  const view = {
    method: 'CONNECT',
    authority: conn.tunnelAuthority,
    path: '/',
    scheme: 'http' as const,
    headers: EMPTY_HEADERS,
    sourceIp: conn.downstream.remoteAddress,
  };
  const decision = hcm.routeTable?.route(view, Math.random());
  const cluster = decision?.kind === 'cluster' ? hcm.clusters.get(decision.clusterName) : undefined;
  const host = cluster?.chooseHost({
    authority: conn.tunnelAuthority,
    downstreamLocalAddress: conn.downstream.localAddress,
  });
  if (cluster === undefined || host === undefined) {
    hcm.stats.noRoute.inc();
    conn.destroy();
    return;
  }
  // Until the upstream is connected, the client's bytes wait here (a TLS client sends its hello
  // and then waits for the answer, so this stays small).
  const held: Buffer[] = [Buffer.from(initial)];
  let up: Socket | undefined;
  conn.relayTo((data) => {
    const copy = Buffer.from(data);
    if (up === undefined) held.push(copy);
    else if (!up.write(copy)) down.pause();
  });
  cluster.connect(host, (failure, socket) => {
    if (failure || socket === undefined || down.destroyed) {
      socket?.destroy();
      conn.destroy();
      return;
    }
    up = socket;
    for (const chunk of held) socket.write(chunk);
    held.length = 0;
    socket.on('data', (chunk: Buffer) => {
      if (!down.write(chunk)) socket.pause();
    });
    socket.on('drain', () => down.resume());
    down.on('drain', () => socket.resume());
    socket.on('error', () => {});
    socket.on('close', () => conn.destroy());
    down.on('close', () => socket.destroy());
  });
}

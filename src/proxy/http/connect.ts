// CONNECT on the HTTP connection manager, for clients that reach the sidecar's HTTP proxy listener
// through a tunnel even for http:// URLs (Node's fetch with NODE_USE_ENV_PROXY=1, curl -p, Go's
// clients with ProxyConnectHeader…). Unlike Envoy's CONNECT support (upgrade_configs CONNECT +
// connect_matcher), which relays the tunnel's bytes to one cluster as TCP, the proxy terminates
// the tunnel: once `200 Connection established` is out, the same connection manager reads the
// tunnel's bytes as HTTP/1.1 requests, each routed on its own Host (VirtualService rules, retries,
// faults, stats), the CONNECT authority standing in for a missing Host. See docs/proxy.md.
import type { NoRouteDecision, RouteTable } from '../router/index.ts';
import { answerLocalDecision, type ReplyingStream } from './stream-reply.ts';

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
  conn.tunnelAuthority = stream.authority;
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

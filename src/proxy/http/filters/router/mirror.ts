// Request mirroring (RouteAction.request_mirror_policies): a fire-and-forget copy of the request to
// the mirror cluster, its Host suffixed '-shadow' as Envoy does ('a:9080' → 'a-shadow:9080'). The
// shadow's response is read and dropped; nothing about it reaches the main request, which never
// waits for it. Only requests without a body are mirrored: a body would have to be held until it
// is complete, and the main request streams its body without buffering (documented limitation).
import type { MirrorPolicyConfig } from '../../../config/index.ts';
import type { HeaderMap } from '../../../headers/index.ts';
import type { UpstreamCluster, UpstreamConnection, UpstreamHost } from '../../../upstream/index.ts';
import { BodyDecoder, parseResponseHead, responseHasNoBody, serializeRequestHead } from '../../h1/index.ts';

/** How mirrors find their cluster (the connection manager's ClusterLookup). */
interface ClusterLookup {
  get(name: string): UpstreamCluster | undefined;
}

const MAX_HEAD = 96 * 1024;

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
}

/**
 * Sends the shadows a route asks for (each with its own fraction). `timeoutMs` bounds each shadow
 * (Envoy applies the route timeout to them); 0 means none.
 */
export function sendMirrors(
  mirrors: readonly MirrorPolicyConfig[],
  clusters: ClusterLookup,
  req: MirroredRequest,
  timeoutMs: number,
  worker = 0,
): void {
  let text: string | undefined;
  for (const m of mirrors) {
    if (m.fraction < 1 && Math.random() >= m.fraction) continue;
    const cluster = clusters.get(m.cluster);
    const host = cluster?.chooseHost();
    if (!host) continue;
    if (text === undefined) {
      const h = req.headers.clone();
      h.set('host', shadowAuthority(req.authority));
      h.remove('transfer-encoding');
      h.remove('content-length');
      text = serializeRequestHead(req.method, req.path, h);
    }
    shadow(host, text, req.method, timeoutMs, worker);
  }
}

/** `worker`: the downstream connection's worker, whose pool the shadow's connection comes from. */
function shadow(host: UpstreamHost, head: string, method: string, timeoutMs: number, worker: number): void {
  let timer: NodeJS.Timeout | undefined;
  let conn: UpstreamConnection | undefined;
  let done = false;
  let buf: Buffer | undefined;
  let decoder: BodyDecoder | undefined;
  const finish = (reusable: boolean): void => {
    if (done) return;
    done = true;
    if (timer !== undefined) clearTimeout(timer);
    if (!conn) {
      pending?.cancel();
      return;
    }
    conn.handler = undefined;
    if (!reusable) conn.socket.destroy();
    host.pool.release(conn, reusable);
  };
  const onClose = (): void => finish(false);
  const drop = (): void => {};
  // `chunk` is a view of the pool's read buffer, valid only during the call: a partial head is copied.
  const onData = (chunk: Buffer): void => {
    if (decoder === undefined) {
      buf = buf === undefined ? chunk : Buffer.concat([buf, chunk]);
      const r = parseResponseHead(buf, 0, MAX_HEAD);
      if (r.kind === 'incomplete') {
        if (buf === chunk) buf = Buffer.from(chunk);
        return;
      }
      if (r.kind === 'error' || r.head.status < 200) {
        finish(false);
        return;
      }
      const h = r.head;
      host.outlier?.putHttpStatus(h.status);
      if (responseHasNoBody(method, h.status)) decoder = new BodyDecoder('none');
      else if (h.chunked) decoder = new BodyDecoder('chunked');
      else if (h.contentLength >= 0) decoder = new BodyDecoder('length', h.contentLength);
      else {
        finish(false);
        return;
      }
      chunk = buf.subarray(r.consumed);
      buf = undefined;
      if (h.close) {
        decoder.feed(chunk, 0, drop);
        if (decoder.done) finish(false);
        return;
      }
    }
    const used = decoder.feed(chunk, 0, drop);
    if (decoder.error) {
      finish(false);
      return;
    }
    if (decoder.done) finish(used === chunk.length);
  };
  const pending = host.pool.acquire((failure, c) => {
    if (done) {
      if (c) host.pool.release(c, true);
      return;
    }
    if (failure || !c) {
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      return;
    }
    conn = c;
    // The pool dispatches the socket's reads and close to the connection's handler.
    c.handler = { onUpstreamData: onData, onUpstreamClose: onClose, onUpstreamDrain: noop };
    c.socket.write(head, 'latin1');
  }, worker);
  if (timeoutMs > 0 && !done) {
    timer = setTimeout(() => finish(false), timeoutMs);
    timer.unref();
  }
}

function noop(): void {}

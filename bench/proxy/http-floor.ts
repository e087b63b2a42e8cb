// The floor of an HTTP/1.1 proxy written in JavaScript on weft's own I/O layer: what the leanest
// code could cost doing the HTTP work weft does on bench:proxy's requests, and no more. Each
// request head gets Envoy's fields appended (x-forwarded-proto, x-request-id,
// x-envoy-expected-rq-timeout-ms) and goes to a pooled upstream connection (last in, first out,
// as weft's pool); each response head is copied with its field names lower-cased, its Server and
// Connection lines dropped, and server + x-envoy-upstream-service-time added, the body after it.
// No strings but the request id, no objects per request but the two heads, no routing, stats,
// timers or validation: a yardstick for weft's hot path (`cpu-bound rps weft/http-floor`), not a
// proxy. It assumes what bench:proxy sends: no request bodies, Content-Length responses.
// `node bench/proxy/http-floor.ts <listen port> <upstream port>`.
import { Buffer } from 'node:buffer';
import net from 'node:net';
import { findHeadEnd } from '../../src/proxy/http/h1/index.ts';
import { newRequestId } from '../../src/proxy/request-id/index.ts';
import { connectReadOptions, directReads, readInto } from '../../src/proxy/socket-read/index.ts';
import { writeHeadBytes } from '../../src/proxy/socket-write/index.ts';

const REQUEST_ADDED = Buffer.from('x-forwarded-proto: http\r\nx-request-id: ', 'latin1');
const REQUEST_END = Buffer.from('\r\nx-envoy-expected-rq-timeout-ms: 15000\r\n\r\n', 'latin1');
const RESPONSE_ADDED = Buffer.from('server: envoy\r\nx-envoy-upstream-service-time: 0\r\n\r\n', 'latin1');

/** The upstream head for the request head in `src[0..end)` (end just past its CRLF CRLF). */
export function upstreamHead(src: Buffer, end: number, id: string): Buffer {
  const out = Buffer.allocUnsafe(end - 2 + REQUEST_ADDED.length + id.length + REQUEST_END.length);
  let pos = 0;
  for (let i = 0; i < end - 2; i++) out[pos++] = src[i]!;
  for (let i = 0; i < REQUEST_ADDED.length; i++) out[pos++] = REQUEST_ADDED[i]!;
  for (let i = 0; i < id.length; i++) out[pos++] = id.charCodeAt(i);
  for (let i = 0; i < REQUEST_END.length; i++) out[pos++] = REQUEST_END[i]!;
  return out;
}

/** A response as the downstream gets it, and how much of its body is still to come. */
export interface DownstreamResponse {
  bytes: Buffer;
  bodyLeft: number;
}

/**
 * The downstream response for a response head in src[0..end) followed by the body bytes of the
 * same read (up to Content-Length): one buffer, one write.
 */
export function downstreamResponse(src: Buffer, end: number): DownstreamResponse {
  const out = Buffer.allocUnsafe(src.length + RESPONSE_ADDED.length);
  let pos = 0;
  let i = 0;
  while (src[i] !== 13) out[pos++] = src[i++]!;
  out[pos++] = 13;
  out[pos++] = 10;
  i += 2;
  let bodyLength = 0;
  while (i < end - 2) {
    const start = i;
    while (src[i] !== 58) i++;
    const colon = i;
    while (src[i] !== 13) i++;
    const lineEnd = i;
    i += 2;
    const n = colon - start;
    const first = src[start]! | 0x20;
    // server (6) and connection (10) go; content-length (14) is read.
    if ((n === 6 && first === 115) || (n === 10 && first === 99)) continue;
    if (n === 14 && first === 99) {
      let v = colon + 1;
      while (src[v] === 32) v++;
      for (; v < lineEnd; v++) bodyLength = bodyLength * 10 + src[v]! - 48;
    }
    for (let k = start; k < colon; k++) {
      const c = src[k]!;
      out[pos++] = c >= 65 && c <= 90 ? c | 0x20 : c;
    }
    for (let k = colon; k < lineEnd; k++) out[pos++] = src[k]!;
    out[pos++] = 13;
    out[pos++] = 10;
  }
  for (let k = 0; k < RESPONSE_ADDED.length; k++) out[pos++] = RESPONSE_ADDED[k]!;
  const here = Math.min(bodyLength, src.length - end);
  for (let k = end; k < end + here; k++) out[pos++] = src[k]!;
  return { bytes: out.subarray(0, pos), bodyLeft: bodyLength - here };
}

/** A pooled upstream connection and the downstream its response goes to. */
interface Upstream {
  socket: net.Socket;
  client: net.Socket | undefined;
  /** Body bytes still to come after the read that held the head. */
  bodyLeft: number;
}

/** Listens on 127.0.0.1:`listenPort` (0: any), forwarding to 127.0.0.1:`upstreamPort`. */
export function serve(listenPort: number, upstreamPort: number): net.Server {
  const idle: Upstream[] = [];
  const onResponse = (u: Upstream, chunk: Buffer): void => {
    const client = u.client;
    if (client === undefined) return;
    if (u.bodyLeft > 0) {
      const n = Math.min(u.bodyLeft, chunk.length);
      u.bodyLeft -= n;
      writeHeadBytes(client, Buffer.from(chunk.subarray(0, n)));
    } else {
      const end = findHeadEnd(chunk, 0, 0);
      if (end === -1) return; // a head split across reads: not what this floor serves
      const r = downstreamResponse(chunk, end);
      u.bodyLeft = r.bodyLeft;
      writeHeadBytes(client, r.bytes);
    }
    if (u.bodyLeft === 0) {
      u.client = undefined;
      idle.push(u);
    }
  };
  const connect = (): Upstream => {
    const u: Upstream = { socket: undefined as unknown as net.Socket, client: undefined, bodyLeft: 0 };
    const read = (chunk: Buffer): void => onResponse(u, chunk);
    u.socket = net.connect({
      host: '127.0.0.1',
      port: upstreamPort,
      noDelay: true,
      onread: connectReadOptions(read),
    });
    directReads(u.socket, read);
    u.socket.on('error', () => u.client?.destroy());
    return u;
  };
  return net
    .createServer({ noDelay: true }, (client) => {
      client.on('error', () => {});
      readInto(client, (chunk) => {
        const end = findHeadEnd(chunk, 0, 0);
        if (end === -1) return;
        const u = idle.pop() ?? connect();
        u.client = client;
        writeHeadBytes(u.socket, upstreamHead(chunk, end, newRequestId()));
      });
    })
    .listen(listenPort, '127.0.0.1');
}

if (import.meta.main) {
  const [listenPort, upstreamPort] = process.argv.slice(2).map(Number);
  if (!Number.isInteger(listenPort) || !Number.isInteger(upstreamPort)) {
    process.stderr.write('usage: http-floor.ts <listen port> <upstream port>\n');
    process.exit(2);
  }
  serve(listenPort!, upstreamPort!);
}

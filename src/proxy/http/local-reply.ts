// Responses the proxy makes itself (Envoy's local replies): 404 for no route, 503 for upstream
// failures, 400/431/408 for bad or slow requests. Bodies and headers follow Envoy: text/plain
// when there is a body, `server` and `date` always.
import { Buffer } from 'node:buffer';
import { HeaderMap } from '../headers/index.ts';
import { httpDate, serializeResponseHead } from './h1/index.ts';

/** Head + body bytes of a local reply. `extra` headers go first (e.g. location, x-envoy-overloaded). */
export function buildLocalReply(
  status: number,
  body: string,
  serverName: string,
  close: boolean,
  extra?: HeaderMap,
  headRequest = false,
): string {
  const headers = extra ?? new HeaderMap();
  const len = Buffer.byteLength(body);
  if (len > 0 && !headers.has('content-type')) headers.add('content-type', 'text/plain');
  headers.add('content-length', String(len));
  headers.add('date', httpDate());
  headers.add('server', serverName);
  if (close) headers.add('connection', 'close');
  const head = serializeResponseHead(status, headers);
  return headRequest || len === 0 ? head : head + body;
}

interface ReplyTarget {
  readonly socket: { write(data: string, encoding: BufferEncoding): boolean; writable: boolean };
  readonly hcm: { readonly config: { serverName: string } };
}

/** A reply outside any stream (codec errors, header timeout): the connection closes after it. */
export function sendLocalReplyRaw(conn: ReplyTarget, status: number, body: string, _detail?: string): void {
  if (!conn.socket.writable) return;
  conn.socket.write(buildLocalReply(status, body, conn.hcm.config.serverName, true), 'utf8');
}

const PREFIX = 'upstream connect error or disconnect/reset before headers. ';
export const UPSTREAM_RESET_BODY = {
  overflow: PREFIX + 'reset reason: overflow',
  termination: PREFIX + 'reset reason: connection termination',
  protocol: PREFIX + 'reset reason: protocol error',
  connectTimeout: PREFIX + 'reset reason: connection timeout',
  connectFailure: (transport: string) =>
    PREFIX + 'reset reason: remote connection failure, transport failure reason: ' + transport,
};

// HTTP/1.1 response-head parsing for the upstream side (RFC 9112 §4), and the framing rules that
// decide how the response body is delimited (RFC 9112 §6.3).
import { HeaderMap } from '../../headers/index.ts';
import { CONNECTION_CLOSE, CONNECTION_KEEP_ALIVE, connectionTokens } from './connection-tokens.ts';
import { findHeadEnd, type HeadError, parseDecimal, parseFieldLines } from './request-head.ts';

export interface ResponseHead {
  status: number;
  reason: string;
  versionMinor: number;
  headers: HeaderMap;
  /** -1 when absent. */
  contentLength: number;
  chunked: boolean;
  /** The upstream will close after this response (Connection: close, or HTTP/1.0 without keep-alive). */
  close: boolean;
}

export type ResponseParse =
  | { kind: 'incomplete' }
  | { kind: 'error'; error: HeadError }
  | { kind: 'head'; head: ResponseHead; consumed: number };

const INCOMPLETE: ResponseParse = { kind: 'incomplete' };

function fail(detail = 'upstream_http1.codec_error'): ResponseParse {
  return { kind: 'error', error: { status: 502, detail } };
}

/** `scanned`: bytes of `buf` already searched for the end of the head (see parseRequestHead). */
export function parseResponseHead(
  buf: Buffer,
  start: number,
  maxHeadBytes: number,
  scanned = 0,
): ResponseParse {
  const end = findHeadEnd(buf, start, scanned);
  if (end === -1)
    return buf.length - start > maxHeadBytes ? fail('upstream_http1.headers_too_large') : INCOMPLETE;
  const text = buf.toString('latin1', start, end - 4);
  let lineEnd = text.indexOf('\r\n');
  if (lineEnd === -1) lineEnd = text.length;
  // status-line = HTTP-version SP status-code SP [ reason-phrase ]
  if (lineEnd < 12 || !text.startsWith('HTTP/1.') || text.charCodeAt(8) !== 32) return fail();
  const minor = text.charCodeAt(7) - 48;
  if (minor !== 0 && minor !== 1) return fail();
  const status = parseDecimal(text.slice(9, 12));
  if (status < 100 || status > 999) return fail();
  if (lineEnd > 12 && text.charCodeAt(12) !== 32) return fail();
  const reason = lineEnd > 13 ? text.slice(13, lineEnd) : '';
  const headers = new HeaderMap();
  const err = parseFieldLines(text, lineEnd, headers);
  if (err) return fail();

  // The framing fields, found in one look at the names (most responses have a content-length
  // and a connection header and nothing else of these).
  let teAt = -1;
  let clCount = 0;
  let connectionAt = -1;
  const names = headers.names;
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!;
    if (n.length === 14 && n === 'content-length') clCount++;
    else if (n.length === 10 && n === 'connection') connectionAt = i;
    else if (n.length === 17 && n === 'transfer-encoding') teAt = i;
  }
  let contentLength = -1;
  let chunked = false;
  if (teAt !== -1) {
    const codings = headers.getJoined('transfer-encoding')!.toLowerCase().split(',');
    // Chunked must be the final coding; otherwise the body runs to close (RFC 9112 §6.3 item 4).
    chunked = codings[codings.length - 1]!.trim() === 'chunked';
  } else if (clCount === 1) {
    const v = headers.get('content-length')!;
    contentLength = parseDecimal(v);
    if (contentLength < 0) contentLength = sameLengths(v, -1);
    if (contentLength < 0) return fail();
  } else if (clCount > 1) {
    for (const v of headers.getAll('content-length')) {
      contentLength = sameLengths(v, contentLength);
      if (contentLength < 0) return fail();
    }
  }
  const options = connectionAt !== -1 ? connectionTokens(headers.getJoined('connection')!) : 0;
  const close =
    (options & CONNECTION_CLOSE) !== 0 || (minor === 0 && (options & CONNECTION_KEEP_ALIVE) === 0);
  return {
    kind: 'head',
    head: { status, reason, versionMinor: minor, headers, contentLength, chunked, close },
    consumed: end,
  };
}

/**
 * The length a Content-Length value gives (a list of equal lengths counts as one), checked against
 * `known` (-1: none yet); -1 when it is malformed or disagrees.
 */
function sameLengths(value: string, known: number): number {
  let length = known;
  for (const part of value.split(',')) {
    const n = parseDecimal(part.trim());
    if (n < 0 || (length !== -1 && n !== length)) return -1;
    length = n;
  }
  return length;
}

/** Responses that never carry a body (RFC 9110 §6.4.1). */
export function responseHasNoBody(requestMethod: string, status: number): boolean {
  return requestMethod === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
}

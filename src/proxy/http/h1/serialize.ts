// Serialising heads, each written with one socket write: cheaper than several small writes, and
// heads are small. Request heads are built as bytes; response heads made here (local replies,
// edited or upgraded responses) as one latin1 string.
import { Buffer } from 'node:buffer';
import type { HeaderMap } from '../../headers/index.ts';
import { putCrlf, putField, putLatin1 } from './head-bytes.ts';

const REASONS: Record<number, string> = {
  100: 'Continue',
  101: 'Switching Protocols',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'Non-Authoritative Information',
  204: 'No Content',
  205: 'Reset Content',
  206: 'Partial Content',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  417: 'Expectation Failed',
  418: "I'm a teapot",
  421: 'Misdirected Request',
  422: 'Unprocessable Entity',
  425: 'Too Early',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Unknown';
}

function appendHeaders(s: string, headers: HeaderMap): string {
  const names = headers.names;
  const values = headers.values;
  for (let i = 0; i < names.length; i++) s += names[i] + ': ' + values[i] + '\r\n';
  return s;
}

const REQUEST_LINE_END = ' HTTP/1.1';

/**
 * `METHOD path HTTP/1.1` + headers + CRLF (upstream requests are always HTTP/1.1), built straight
 * into a Buffer of exactly its size (head-bytes.ts says why): proxied and mirrored requests.
 */
export function requestHeadBytes(method: string, path: string, headers: HeaderMap): Buffer {
  const names = headers.names;
  const values = headers.values;
  // method SP path " HTTP/1.1" CRLF, a "name: value" CRLF per field, CRLF.
  let size = method.length + 1 + path.length + REQUEST_LINE_END.length + 2 + 2;
  for (let i = 0; i < names.length; i++) size += names[i]!.length + values[i]!.length + 4;
  const out = Buffer.allocUnsafe(size);
  let pos = putLatin1(out, 0, method);
  out[pos++] = 32;
  pos = putLatin1(out, pos, path);
  pos = putCrlf(out, putLatin1(out, pos, REQUEST_LINE_END));
  for (let i = 0; i < names.length; i++) pos = putField(out, pos, names[i]!, values[i]!);
  putCrlf(out, pos);
  return out;
}

export function serializeResponseHead(status: number, headers: HeaderMap, reason?: string): string {
  return (
    appendHeaders('HTTP/1.1 ' + status + ' ' + (reason || reasonPhrase(status)) + '\r\n', headers) + '\r\n'
  );
}

let cachedDateSecond = 0;
let cachedDate = '';

/** The `date` header value (IMF-fixdate), computed at most once per second. */
export function httpDate(nowMs: number = Date.now()): string {
  const sec = Math.floor(nowMs / 1000);
  if (sec !== cachedDateSecond) {
    cachedDateSecond = sec;
    cachedDate = new Date(sec * 1000).toUTCString();
  }
  return cachedDate;
}

// Serialising heads, each written with one socket write: cheaper than several small writes, and
// heads are small. Request heads and the response heads made here (local replies, edited or
// upgraded responses) are one latin1 string each.
import type { HeaderMap } from '../../headers/index.ts';

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

/**
 * `METHOD path HTTP/1.1` + headers + CRLF (upstream requests are always HTTP/1.1) as one latin1
 * string, written as it is: the socket's native write copies the concatenation out in one pass
 * (V8 walks the pieces in C++), which costs a fraction of copying them into a Buffer character by
 * character from JavaScript — header values are slices of the request's text, and optimised
 * `charCodeAt` on a slice is a dispatch per character (docs/proxy.md, "Instructions per request").
 */
export function requestHeadText(method: string, path: string, headers: HeaderMap): string {
  return appendHeaders(method + ' ' + path + ' HTTP/1.1\r\n', headers) + '\r\n';
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

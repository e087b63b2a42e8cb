// Envoy access-log format strings, compiled once at config time into a list of small functions, so
// formatting a log line is one pass of concatenation. Missing values print '-' as in Envoy.
// Commands: START_TIME[(strftime)], REQ(X?Y):Z, RESP(X?Y):Z, TRAILER(X?Y):Z, PROTOCOL,
// RESPONSE_CODE, RESPONSE_CODE_DETAILS, RESPONSE_FLAGS, BYTES_RECEIVED, BYTES_SENT, DURATION,
// REQUEST_DURATION, RESPONSE_DURATION, UPSTREAM_HOST, UPSTREAM_CLUSTER, UPSTREAM_LOCAL_ADDRESS,
// UPSTREAM_TRANSPORT_FAILURE_REASON, DOWNSTREAM_REMOTE_ADDRESS[_WITHOUT_PORT],
// DOWNSTREAM_LOCAL_ADDRESS[_WITHOUT_PORT], REQUESTED_SERVER_NAME, ROUTE_NAME, HOSTNAME, and
// UPSTREAM_SERVICE_TIME (Weft's own: the x-envoy-upstream-service-time value, in ms).
// Anything else is reported as an error value naming the command.

import { hostname } from 'node:os';
import type { HeaderMap } from '../headers/index.ts';
import { responseFlagsToString } from './response-flags.ts';
import { responseHeadersOf, type StreamInfo } from './stream-info.ts';

export type AccessLogFormatter = (info: StreamInfo) => string;

/** Envoy's default format (used when a file access log has no format). */
export const DEFAULT_ACCESS_LOG_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';

type Part = (info: StreamInfo) => string;

const dash = (v: string | number | undefined): string => (v === undefined || v === '' ? '-' : String(v));

function withoutPort(addr: string | undefined): string {
  if (addr === undefined) return '-';
  if (addr.startsWith('[')) return addr.slice(0, addr.indexOf(']') + 1);
  const i = addr.lastIndexOf(':');
  return i === -1 ? addr : addr.slice(0, i);
}

const SIMPLE: Record<string, Part> = {
  PROTOCOL: (i) => dash(i.protocol),
  RESPONSE_CODE: (i) => String(i.responseCode),
  RESPONSE_CODE_DETAILS: (i) => dash(i.responseCodeDetails),
  RESPONSE_FLAGS: (i) => responseFlagsToString(i.responseFlags),
  BYTES_RECEIVED: (i) => String(i.bytesReceived),
  BYTES_SENT: (i) => String(i.bytesSent),
  DURATION: (i) => (i.durationMs === undefined ? '-' : String(Math.floor(i.durationMs))),
  REQUEST_DURATION: (i) =>
    i.lastDownstreamRxByteMs === undefined ? '-' : String(Math.floor(i.lastDownstreamRxByteMs)),
  RESPONSE_DURATION: (i) =>
    i.firstUpstreamRxByteMs === undefined ? '-' : String(Math.floor(i.firstUpstreamRxByteMs)),
  UPSTREAM_HOST: (i) => dash(i.upstreamHost),
  UPSTREAM_CLUSTER: (i) => dash(i.upstreamCluster),
  UPSTREAM_LOCAL_ADDRESS: (i) => dash(i.upstreamLocalAddress),
  UPSTREAM_TRANSPORT_FAILURE_REASON: (i) => dash(i.upstreamTransportFailureReason),
  UPSTREAM_SERVICE_TIME: (i) =>
    i.upstreamServiceTimeMs === undefined ? '-' : String(Math.floor(i.upstreamServiceTimeMs)),
  DOWNSTREAM_REMOTE_ADDRESS: (i) => dash(i.downstreamRemoteAddress),
  DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: (i) => withoutPort(i.downstreamRemoteAddress),
  DOWNSTREAM_LOCAL_ADDRESS: (i) => dash(i.downstreamLocalAddress),
  DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT: (i) => withoutPort(i.downstreamLocalAddress),
  REQUESTED_SERVER_NAME: (i) => dash(i.requestedServerName),
  ROUTE_NAME: (i) => dash(i.routeName),
};

type HeaderSource = 'REQ' | 'RESP' | 'TRAILER';

function headerValue(info: StreamInfo, source: HeaderSource, name: string): string | undefined {
  if (source === 'REQ') {
    switch (name) {
      case ':method':
        return info.method;
      case ':path':
        return info.path;
      case ':authority':
        return info.authority;
      case ':scheme':
        return info.scheme;
    }
    return info.requestHeaders?.get(name);
  }
  const map: HeaderMap | undefined = source === 'RESP' ? responseHeadersOf(info) : info.responseTrailers;
  if (name === ':status' && source === 'RESP')
    return info.responseCode ? String(info.responseCode) : undefined;
  return map?.get(name);
}

function headerPart(source: HeaderSource, arg: string, maxLen: number | undefined): Part {
  const q = arg.indexOf('?');
  const main = (q === -1 ? arg : arg.slice(0, q)).toLowerCase();
  const alt = q === -1 ? undefined : arg.slice(q + 1).toLowerCase();
  return (info) => {
    let v = headerValue(info, source, main);
    if (v === undefined && alt !== undefined) v = headerValue(info, source, alt);
    if (v === undefined) return '-';
    return maxLen !== undefined && v.length > maxLen ? v.slice(0, maxLen) : v;
  };
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

type TimePart = (d: Date, ms: number) => string;

/** strftime in UTC, the subset Envoy users write, plus Envoy's %Nf / %f fractional seconds. */
function compileStrftime(fmt: string): ((ms: number) => string) | { error: string } {
  const parts: TimePart[] = [];
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i]!;
    if (ch !== '%' || i + 1 >= fmt.length) {
      parts.push(() => ch);
      continue;
    }
    let spec = fmt[++i]!;
    let digits = 9;
    if (spec >= '1' && spec <= '9' && fmt[i + 1] === 'f') {
      digits = Number(spec);
      spec = fmt[++i]!;
    }
    const p = STRFTIME[spec];
    if (spec === 'f') {
      const d = digits;
      parts.push((_date, ms) => (pad(ms % 1000, 3) + '000000').slice(0, d));
    } else if (p) parts.push(p);
    else return { error: `unsupported START_TIME format specifier %${spec}` };
  }
  return (ms) => {
    const d = new Date(ms);
    let out = '';
    for (const p of parts) out += p(d, ms);
    return out;
  };
}

const STRFTIME: Record<string, TimePart> = {
  Y: (d) => String(d.getUTCFullYear()),
  y: (d) => pad(d.getUTCFullYear() % 100, 2),
  m: (d) => pad(d.getUTCMonth() + 1, 2),
  d: (d) => pad(d.getUTCDate(), 2),
  e: (d) => String(d.getUTCDate()).padStart(2, ' '),
  H: (d) => pad(d.getUTCHours(), 2),
  M: (d) => pad(d.getUTCMinutes(), 2),
  S: (d) => pad(d.getUTCSeconds(), 2),
  s: (_d, ms) => String(Math.floor(ms / 1000)),
  b: (d) => MONTHS[d.getUTCMonth()]!,
  a: (d) => DAYS[d.getUTCDay()]!,
  F: (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`,
  T: (d) => `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`,
  z: () => '+0000',
  Z: () => 'UTC',
  '%': () => '%',
};

function commandPart(name: string, arg: string | undefined, maxLen: number | undefined): Part | string {
  if (name === 'REQ' || name === 'RESP' || name === 'TRAILER') {
    if (!arg) return `%${name}% needs a header name: %${name}(X?Y):Z%`;
    return headerPart(name, arg, maxLen);
  }
  if (name === 'START_TIME') {
    if (arg === undefined || arg === '') return (i) => new Date(i.startTimeMs).toISOString();
    const f = compileStrftime(arg);
    return typeof f === 'function' ? (i) => f(i.startTimeMs) : f.error;
  }
  if (name === 'HOSTNAME') {
    const h = hostname();
    return () => h;
  }
  const simple = SIMPLE[name];
  if (!simple) return `unknown access log command %${name}%`;
  if (arg !== undefined) return `%${name}% takes no argument`;
  if (maxLen === undefined) return simple;
  return (i) => simple(i).slice(0, maxLen);
}

/** Compiles `format` (Envoy's default when absent); an unknown command is an error value. */
export function compileAccessLogFormat(format?: string): AccessLogFormatter | { error: string } {
  const fmt = format ?? DEFAULT_ACCESS_LOG_FORMAT;
  const parts: (Part | string)[] = [];
  let literal = '';
  let i = 0;
  while (i < fmt.length) {
    const ch = fmt[i]!;
    const m = ch === '%' ? /^%([A-Z_][A-Z0-9_]*)/.exec(fmt.slice(i)) : null;
    if (!m) {
      literal += ch;
      i++;
      continue;
    }
    const name = m[1]!;
    let j = i + m[0].length;
    let arg: string | undefined;
    if (fmt[j] === '(') {
      const close = fmt.indexOf(')', j);
      if (close === -1) return { error: `unterminated '(' in %${name}( at offset ${i}` };
      arg = fmt.slice(j + 1, close);
      j = close + 1;
    }
    let maxLen: number | undefined;
    const lenMatch = /^:(\d+)/.exec(fmt.slice(j));
    if (lenMatch) {
      maxLen = Number(lenMatch[1]);
      j += lenMatch[0].length;
    }
    if (fmt[j] !== '%') return { error: `expected '%' to close %${name} at offset ${j}` };
    const part = commandPart(name, arg, maxLen);
    if (typeof part === 'string') return { error: part };
    if (literal) parts.push(literal);
    literal = '';
    parts.push(part);
    i = j + 1;
  }
  if (literal) parts.push(literal);
  return (info) => {
    let out = '';
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k]!;
      out += typeof p === 'string' ? p : p(info);
    }
    return out;
  };
}

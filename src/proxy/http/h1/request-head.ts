// Incremental HTTP/1.1 request-head parsing (RFC 9112 §3, §5). The connection keeps the bytes it
// has not consumed yet; this module looks for the end of the head and, once it is there, parses
// it in one pass. Malformed input is an error value with the status and the response-code detail
// Envoy reports (http1.codec_error and friends), never an exception.
import { HeaderMap } from '../../headers/index.ts';
import {
  CONNECTION_CLOSE,
  CONNECTION_KEEP_ALIVE,
  CONNECTION_UPGRADE,
  connectionTokens,
} from './connection-tokens.ts';
import { latin1, type RequestLine, scanRequestLine } from './request-line.ts';

export interface RequestHead {
  method: string;
  /** The request target as received. */
  target: string;
  /** Origin-form path with query ('/a?b'); '*' for asterisk form; the authority for CONNECT. */
  path: string;
  /** Host header, or the authority of an absolute-form target (which then replaces Host). */
  authority: string;
  /** Scheme of an absolute-form target ('http'), else ''. */
  absoluteScheme: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  versionMinor: number;
  headers: HeaderMap;
  /** -1 when there is no Content-Length. */
  contentLength: number;
  chunked: boolean;
  /** The client allows the connection to stay open after this exchange. */
  keepAlive: boolean;
  /** Lower-cased Upgrade value when Connection: upgrade asks for one, else ''. */
  upgrade: string;
  expectContinue: boolean;
}

export interface HeadError {
  status: number;
  /** Envoy's response-code detail, e.g. 'http1.codec_error'. */
  detail: string;
}

export type HeadParse =
  | { kind: 'incomplete' }
  | { kind: 'error'; error: HeadError }
  | { kind: 'head'; head: RequestHead; consumed: number };

const INCOMPLETE: HeadParse = { kind: 'incomplete' };
/** Envoy's common_http_protocol_options.max_headers_count when unset. */
export const DEFAULT_MAX_HEADERS = 100;
const CRLFCRLF = Buffer.from('\r\n\r\n');

/** 1 for each tchar (RFC 9110 §5.6.2) below 128. */
export const TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TOKEN[c.charCodeAt(0)] = 1;

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || TOKEN[c] === 0) return false;
  }
  return true;
}

/** Field values: visible chars, SP, HTAB, obs-text; no CR, LF, NUL or other controls. */
export function isFieldValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

function fail(status: number, detail: string): HeadParse {
  return { kind: 'error', error: { status, detail } };
}

/**
 * Finds the end of a head in `buf` from `start`. Returns the index just past CRLFCRLF, -1 if not
 * there yet. `searchFrom` lets the caller avoid rescanning bytes it already looked at.
 */
export function findHeadEnd(buf: Buffer, start: number, searchFrom: number): number {
  const from = Math.max(start, searchFrom - 3);
  // Heads are short: the first KiB is scanned here (a Horspool search on the CRLFCRLF's last byte,
  // looking at about one byte in three), which is faster than Buffer.indexOf's call; a longer
  // search (a large head, or bytes that are not HTTP) goes to indexOf.
  const scanEnd = Math.min(buf.length, from + 1024);
  let i = from + 3;
  while (i < scanEnd) {
    const c = buf[i]!;
    if (c === 10) {
      if (buf[i - 1] === 13 && buf[i - 2] === 10 && buf[i - 3] === 13) return i + 1;
      i += 2;
    } else i += c === 13 ? 1 : 4;
  }
  if (scanEnd === buf.length) return -1;
  const at = buf.indexOf(CRLFCRLF, scanEnd - 3);
  return at === -1 ? -1 : at + 4;
}

/**
 * Parses one request head from `buf[start..]`. `maxHeadBytes` bounds the head (Envoy's
 * max_request_headers_kb): a longer one is 431 whether or not it is complete. `scanned`: bytes of
 * `buf` already searched for the end of the head by an earlier call that returned incomplete.
 * `fallbackAuthority`: the Host of a request that has none (inside a CONNECT tunnel), else ''.
 * `maxHeaders`: more field lines than this are 431 (Envoy's max_headers_count, default 100).
 */
export function parseRequestHead(
  buf: Buffer,
  start: number,
  maxHeadBytes: number,
  scanned = 0,
  fallbackAuthority = '',
  maxHeaders = DEFAULT_MAX_HEADERS,
): HeadParse {
  // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request line.
  while (start + 1 < buf.length && buf[start] === 13 && buf[start + 1] === 10) start += 2;
  const end = findHeadEnd(buf, start, scanned);
  if (end === -1) {
    if (buf.length - start > maxHeadBytes) return fail(431, 'http1.headers_too_large');
    return INCOMPLETE;
  }
  if (end - start > maxHeadBytes) return fail(431, 'http1.headers_too_large');
  const line = scanRequestLine(buf, start, end - 4);
  if (line === undefined) return { kind: 'error', error: codecError() };
  const text = latin1(buf, start, end - 4);
  const parsed = parseHeadText(text, line, fallbackAuthority, maxHeaders);
  if ('status' in parsed) return { kind: 'error', error: parsed };
  return { kind: 'head', head: parsed, consumed: end };
}

/** Where the request's framing and connection fields are, from one look at the names. */
interface FieldIndex {
  host: number;
  hostCount: number;
  contentLengthCount: number;
  transferEncoding: boolean;
  connection: boolean;
  upgrade: number;
  expect: number;
}

const FIELDS: FieldIndex = {
  host: -1,
  hostCount: 0,
  contentLengthCount: 0,
  transferEncoding: false,
  connection: false,
  upgrade: -1,
  expect: -1,
};

/** Fills FIELDS (one scratch object: parsing is synchronous) from `names`. */
function indexFields(names: readonly string[]): FieldIndex {
  const f = FIELDS;
  f.host = -1;
  f.hostCount = 0;
  f.contentLengthCount = 0;
  f.transferEncoding = false;
  f.connection = false;
  f.upgrade = -1;
  f.expect = -1;
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!;
    switch (n.length) {
      case 4:
        if (n === 'host') {
          if (f.hostCount++ === 0) f.host = i;
        }
        break;
      case 6:
        if (n === 'expect' && f.expect === -1) f.expect = i;
        break;
      case 7:
        if (n === 'upgrade' && f.upgrade === -1) f.upgrade = i;
        break;
      case 10:
        if (n === 'connection') f.connection = true;
        break;
      case 14:
        if (n === 'content-length') f.contentLengthCount++;
        break;
      case 17:
        if (n === 'transfer-encoding') f.transferEncoding = true;
        break;
    }
  }
  return f;
}

function parseHeadText(
  text: string,
  line: RequestLine,
  fallbackAuthority: string,
  maxHeaders: number,
): RequestHead | HeadError {
  const { sp1, sp2, lineEnd, versionMinor } = line;
  let method = line.method;
  if (method === '') {
    method = text.slice(0, sp1);
    if (!isToken(method)) return codecError();
  }
  const target = text.slice(sp1 + 1, sp2);

  const headers = new HeaderMap();
  const err = parseFieldLines(text, lineEnd, headers);
  if (err) return err;
  if (headers.names.length > maxHeaders) return { status: 431, detail: 'http1.too_many_headers' };
  const fields = indexFields(headers.names);

  // Request target forms (RFC 9112 §3.2).
  let path = target;
  let authority = '';
  let absoluteScheme = '';
  if (target.charCodeAt(0) === 47 /* / */) {
    // origin-form
  } else if (target === '*') {
    if (method !== 'OPTIONS') return codecError();
  } else if (method === 'CONNECT') {
    authority = target;
  } else {
    const sep = target.indexOf('://');
    if (sep <= 0) return codecError();
    absoluteScheme = target.slice(0, sep).toLowerCase();
    if (absoluteScheme !== 'http' && absoluteScheme !== 'https') return codecError();
    const rest = sep + 3;
    let pathStart = rest;
    while (pathStart < target.length) {
      const c = target.charCodeAt(pathStart);
      if (c === 47 || c === 63) break;
      pathStart++;
    }
    authority = target.slice(rest, pathStart);
    if (authority.length === 0 || authority.includes('@')) return codecError();
    path = pathStart === target.length ? '/' : target.slice(pathStart);
    if (path.charCodeAt(0) === 63 /* ? */) path = '/' + path;
  }
  if (fields.hostCount > 1) return codecError();
  if (authority === '') {
    if (fields.host !== -1) authority = headers.values[fields.host]!;
    else if (fallbackAuthority !== '') {
      authority = fallbackAuthority;
      headers.add('host', authority);
    } else if (versionMinor === 1) return codecError();
  } else if (fields.host !== -1) headers.values[fields.host] = authority;
  else headers.add('host', authority);

  // Message body length (RFC 9112 §6.3).
  let contentLength = -1;
  let chunked = false;
  if (fields.transferEncoding) {
    if (fields.contentLengthCount > 0)
      return { status: 400, detail: 'http1.content_length_and_chunked_not_allowed' };
    const te = headers.getJoined('transfer-encoding')!;
    if (te.trim().toLowerCase() !== 'chunked')
      return { status: 501, detail: 'http1.invalid_transfer_encoding' };
    if (versionMinor === 0) return codecError();
    chunked = true;
  } else if (fields.contentLengthCount > 0) {
    const cls = headers.getAll('content-length');
    for (const v of cls) {
      contentLength = sameLengths(v, contentLength);
      if (contentLength < 0) return codecError();
    }
    if (cls.length > 1 || cls[0]!.includes(',')) headers.set('content-length', String(contentLength));
  }

  const options = fields.connection ? connectionTokens(headers.getJoined('connection')!) : 0;
  const close =
    (options & CONNECTION_CLOSE) !== 0 || (versionMinor === 0 && (options & CONNECTION_KEEP_ALIVE) === 0);
  const upgrade =
    (options & CONNECTION_UPGRADE) !== 0 && fields.upgrade !== -1
      ? headers.values[fields.upgrade]!.trim().toLowerCase()
      : '';
  const expectContinue =
    fields.expect !== -1 &&
    versionMinor === 1 &&
    headers.values[fields.expect]!.toLowerCase() === '100-continue';

  return {
    method,
    target,
    path,
    authority,
    absoluteScheme,
    versionMinor,
    headers,
    contentLength,
    chunked,
    keepAlive: !close,
    upgrade,
    expectContinue,
  };
}

function codecError(): HeadError {
  return { status: 400, detail: 'http1.codec_error' };
}

/**
 * Parses the field lines after the start line (from `pos`, which points at a CRLF or the end)
 * into `headers`. Shared with the response-head parser. Returns an error, or undefined.
 *
 * One pass over the characters: the name is checked against tchar while looking for the colon,
 * the value against the field-value rules while looking for the line's CR, so each byte of a head
 * is looked at once. A name is lower-cased only when it has an upper-case letter.
 */
export function parseFieldLines(text: string, pos: number, headers: HeaderMap): HeadError | undefined {
  const len = text.length;
  while (pos < len) {
    // `pos` is at the CRLF that ends the previous line (a lone CR never gets here: see below).
    const start = pos + 2;
    let i = start;
    let upper = false;
    for (; i < len; i++) {
      const c = text.charCodeAt(i);
      if (c === 58 /* : */) break;
      // Not tchar: a space or tab here is obs-fold (RFC 9112 §5.2) or whitespace before the colon.
      if (c > 127 || TOKEN[c] === 0) return codecError();
      if (c <= 90 && c >= 65) upper = true;
    }
    if (i === start || i === len) return codecError();
    let vs = i + 1;
    let c = text.charCodeAt(vs);
    while (c === 32 || c === 9) c = text.charCodeAt(++vs);
    let end = vs;
    for (; end < len; end++) {
      c = text.charCodeAt(end);
      // Visible chars, SP, HTAB and obs-text; a CR only as the start of the line's CRLF.
      if (c >= 32 ? c === 127 : c !== 9) {
        if (c === 13 && text.charCodeAt(end + 1) === 10) break;
        return codecError();
      }
    }
    let ve = end;
    while (ve > vs && ((c = text.charCodeAt(ve - 1)) === 32 || c === 9)) ve--;
    let name = wellKnownName(text, start, i);
    if (name === undefined) {
      name = text.slice(start, i);
      if (upper) name = name.toLowerCase();
    }
    headers.add(name, text.slice(vs, ve));
    pos = end;
  }
  return undefined;
}

/**
 * The length a Content-Length value gives — a list of equal lengths counts as one (RFC 9110 §8.6) —
 * checked against `known` (-1: none yet); -1 when it is malformed or disagrees.
 */
export function sameLengths(value: string, known: number): number {
  let length = known;
  for (const part of value.split(',')) {
    const n = parseDecimal(part.trim());
    if (n < 0 || (length !== -1 && n !== length)) return -1;
    length = n;
  }
  return length;
}

/** Non-negative decimal integer (1*DIGIT), or -1. */
export function parseDecimal(s: string): number {
  if (s.length === 0 || s.length > 15) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Field names most requests carry, by length: a match is the shared lower-case constant. */
const WELL_KNOWN: readonly (readonly string[])[] = (() => {
  const byLength: string[][] = [];
  for (const n of [
    'te',
    'host',
    'accept',
    'cookie',
    'expect',
    'origin',
    'referer',
    'upgrade',
    'connection',
    'user-agent',
    'content-type',
    'x-request-id',
    'authorization',
    'cache-control',
    'content-length',
    'accept-encoding',
    'accept-language',
    'x-forwarded-for',
    'transfer-encoding',
    'x-forwarded-proto',
  ])
    (byLength[n.length] ??= []).push(n);
  return byLength;
})();

/**
 * The lower-case constant for the name text[s..e) when it is a well-known one, in any letter case;
 * else undefined. The constant costs no slice and no toLowerCase, and later lookups of it compare
 * as one string (V8 internalises literals).
 */
function wellKnownName(text: string, s: number, e: number): string | undefined {
  const candidates = WELL_KNOWN[e - s];
  if (candidates === undefined) return undefined;
  for (let k = 0; k < candidates.length; k++) {
    const lit = candidates[k]!;
    let j = 0;
    // Names are tchars: | 0x20 lower-cases A–Z and maps nothing else onto a letter or '-'.
    while (j < lit.length && (text.charCodeAt(s + j) | 0x20) === lit.charCodeAt(j)) j++;
    if (j === lit.length) return lit;
  }
  return undefined;
}

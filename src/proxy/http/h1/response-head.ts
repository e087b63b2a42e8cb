// HTTP/1.1 response-head parsing for the upstream side (RFC 9112 §4) and the framing rules that
// decide how the response body is delimited (RFC 9112 §6.3).
//
// One pass over the bytes validates the status line and every field line, reads the framing and
// connection fields, tells the special fields apart (response-lines.ts), and copies the head as the
// downstream gets it when nothing edits it: lower-cased names, trimmed values, hop-by-hop lines
// left out, the server line replaced as server_header_transformation says, room left for the
// connection manager's own fields (response-forward.ts adds them) and the first body bytes. A
// byte loop in JavaScript costs ~20 instructions a byte (bounds checks, a stack check per
// iteration), so reading each byte once and storing it then is half the cost of a second pass
// that copies. The fields become a HeaderMap only when something asks for them (a retry policy, a
// filter, a header mutation): parsed again then from the head's text, as a request's are.

import { Buffer } from 'node:buffer';
import { HeaderMap, type HeaderSource } from '../../headers/index.ts';
import {
  CONNECTION_CLOSE,
  CONNECTION_KEEP_ALIVE,
  CONNECTION_OTHER,
  connectionTokens,
} from './connection-tokens.ts';
import { putBytes, putCrlf } from './head-bytes.ts';
import { reserveCopy, slabOf, slabWords, stopsValue, ViewCache } from './head-words.ts';
import { findHeadEnd, type HeadError, parseFieldLines, sameLengths, TOKEN } from './request-head.ts';
import { http1Minor, latin1 } from './request-line.ts';
import { classifyLowered, LineKind, sameLetters } from './response-lines.ts';

export class ResponseHead implements HeaderSource {
  readonly status: number;
  readonly versionMinor: number;
  /** -1 when absent. */
  readonly contentLength: number;
  readonly chunked: boolean;
  /** The upstream will close after this response (Connection: close, or HTTP/1.0 without keep-alive). */
  readonly close: boolean;
  /** The Connection header names other fields, which are hop-by-hop too. */
  readonly connectionNamesFields: boolean;
  readonly hasServer: boolean;
  readonly hasDate: boolean;
  /** HeaderSource: whether a grpc-status line is present, known from the scan. */
  readonly mayHaveGrpcStatus: boolean;
  /**
   * The bytes the head was parsed from. Valid only during the read that delivered them (they may
   * be a view of the shared read buffer): the exchange forwards the head, or asks for `headers`,
   * before it returns.
   */
  readonly source: Buffer;
  readonly start: number;
  readonly statusLineEnd: number;
  /** Where the field lines end (the final CRLF CRLF). */
  readonly fieldsEnd: number;
  /**
   * The head as forwarded downstream so far (status line and end-to-end field lines, without the
   * final CRLF): `forwarded[forwardedStart..forwardedEnd)`, with room after it up to
   * `forwardedLimit` for the fields forwardResponseHead adds and the body bytes the plan asked for.
   */
  readonly forwarded: Buffer;
  readonly forwardedStart: number;
  readonly forwardedEnd: number;
  readonly forwardedLimit: number;
  /** The plan the forwarded copy follows (its server line is already in place when written). */
  readonly plan: ForwardPlan;
  /** A server line of the plan's went in place of the upstream's first one. */
  readonly serverWritten: boolean;
  private fields: HeaderMap | undefined;

  constructor(
    status: number,
    versionMinor: number,
    framing: Framing,
    source: Buffer,
    start: number,
    statusLineEnd: number,
    fieldsEnd: number,
    plan: ForwardPlan,
  ) {
    this.status = status;
    this.versionMinor = versionMinor;
    this.contentLength = framing.contentLength;
    this.chunked = framing.chunked;
    this.close = framing.close;
    this.connectionNamesFields = framing.connectionNamesFields;
    this.hasServer = framing.hasServer;
    this.hasDate = framing.hasDate;
    this.mayHaveGrpcStatus = framing.hasGrpcStatus;
    this.source = source;
    this.start = start;
    this.statusLineEnd = statusLineEnd;
    this.fieldsEnd = fieldsEnd;
    this.forwarded = framing.out!;
    this.forwardedStart = framing.outStart;
    this.forwardedEnd = framing.outLength;
    this.forwardedLimit = framing.outLimit;
    this.serverWritten = framing.serverWritten;
    this.plan = plan;
    framing.out = undefined;
  }

  /** The reason phrase as the upstream wrote it ('' when it has none). */
  get reason(): string {
    const from = this.start + 13;
    return this.statusLineEnd > from ? this.source.toString('latin1', from, this.statusLineEnd) : '';
  }

  /** The field lines as a HeaderMap (names lower-cased, values without surrounding whitespace). */
  get headers(): HeaderMap {
    let h = this.fields;
    if (h === undefined) {
      h = this.fields = new HeaderMap();
      // Checked already by the scan: this only cuts the lines.
      parseFieldLines(latin1(this.source, this.start, this.fieldsEnd), this.statusLineEnd - this.start, h);
    }
    return h;
  }
}

export type ResponseParse =
  | { kind: 'incomplete' }
  | { kind: 'error'; error: HeadError }
  | { kind: 'head'; head: ResponseHead; consumed: number };

const INCOMPLETE: ResponseParse = { kind: 'incomplete' };

function fail(detail = 'upstream_http1.codec_error'): ResponseParse {
  return { kind: 'error', error: { status: 502, detail } };
}

/** What the field lines say about framing and the connection (one scratch object: parsing is synchronous). */
interface Framing {
  contentLength: number;
  chunked: boolean;
  close: boolean;
  connectionNamesFields: boolean;
  hasServer: boolean;
  hasDate: boolean;
  hasGrpcStatus: boolean;
  /** The forwarded copy: where it starts, how far it is written, where its room ends. */
  out: Buffer | undefined;
  outStart: number;
  outLength: number;
  outLimit: number;
  serverWritten: boolean;
}

/** The HCM's server_header_transformation. */
export type ServerHeaderTransformation = 'OVERWRITE' | 'APPEND_IF_ABSENT' | 'PASS_THROUGH';

/** What the forwarded copy of a head needs before the scan: known when the request is routed. */
export interface ForwardPlan {
  serverMode: ServerHeaderTransformation;
  serverName: string;
  /** Body bytes of the head's read to leave room for after the head (sent in the same write). */
  bodyRoom: number;
}

/** For heads nobody forwards as copied (mirrors' responses): every line kept, no room. */
const NO_PLAN: ForwardPlan = { serverMode: 'PASS_THROUGH', serverName: '', bodyRoom: 0 };

/**
 * Room for what forwardResponseHead adds besides the server name: server, date (29 characters),
 * service time, transfer-encoding and connection lines, the final CRLF, and a body chunk's framing.
 */
const ADDED_MAX = 200;

/** Name bytes: 0 when not tchar, else the byte lower-cased (no tchar is 0). */
const NAME_LOWER = new Uint8Array(256);
for (let c = 0; c < 128; c++) if (TOKEN[c] === 1) NAME_LOWER[c] = c >= 65 && c <= 90 ? c | 0x20 : c;
/** Field-value bytes (RFC 9110 §5.5): HTAB, SP, visible characters and obs-text. */
const VALUE_BYTE = new Uint8Array(256);
VALUE_BYTE[9] = 1;
for (let c = 32; c < 256; c++) if (c !== 127) VALUE_BYTE[c] = 1;

const SP = 32;

/**
 * `scanned`: bytes of `buf` already searched for the end of the head (see parseRequestHead).
 * `plan`: how the forwarded copy treats the server line and how much body it leaves room for.
 */
export function parseResponseHead(
  buf: Buffer,
  start: number,
  maxHeadBytes: number,
  scanned = 0,
  plan: ForwardPlan = NO_PLAN,
): ResponseParse {
  const end = findHeadEnd(buf, start, scanned);
  if (end === -1)
    return buf.length - start > maxHeadBytes ? fail('upstream_http1.headers_too_large') : INCOMPLETE;
  const last = end - 4;
  let lineEnd = start;
  while (lineEnd < last && !(buf[lineEnd] === 13 && buf[lineEnd + 1] === 10)) lineEnd++;
  // status-line = HTTP-version SP status-code SP [ reason-phrase ]
  if (lineEnd - start < 12 || buf[start + 8] !== SP) return fail();
  const minor = http1Minor(buf, start);
  if (minor === -1) return fail();
  const d0 = buf[start + 9]! - 48;
  const d1 = buf[start + 10]! - 48;
  const d2 = buf[start + 11]! - 48;
  if (d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return fail();
  const status = d0 * 100 + d1 * 10 + d2;
  if (lineEnd - start > 12 && buf[start + 12] !== SP) return fail();
  // Each copied line is at most its own bytes plus a space after the colon (a line has 4 or more).
  const size = end - start;
  const room =
    size + (size >> 2) + ADDED_MAX + plan.serverName.length + Math.min(buf.length - end, plan.bodyRoom);
  const at = reserveCopy(room);
  const out = slabOf();
  let o = putBytes(out, at, HTTP_11);
  for (let i = start + 8; i < lineEnd; i++) out[o++] = buf[i]!;
  const framing = scanFieldLines(buf, lineEnd, last, minor, out, putCrlf(out, o), plan);
  if (framing === undefined) return fail();
  framing.outStart = at;
  framing.outLimit = at + room;
  return {
    kind: 'head',
    head: new ResponseHead(status, minor, framing, buf, start, lineEnd, last, plan),
    consumed: end,
  };
}

const HTTP_11 = Buffer.from('HTTP/1.1', 'latin1');
/** Word views of the heads being parsed (the shared read buffer, most of the time). */
const SOURCE_VIEWS = new ViewCache();
/** The `server` line of the last server name seen (one per connection manager, seldom more). */
let serverName = '';
let serverLine: Uint8Array = Buffer.from('server: \r\n', 'latin1');

export function serverLineFor(name: string): Uint8Array {
  if (name !== serverName) {
    serverName = name;
    serverLine = Buffer.from(`server: ${name}\r\n`, 'latin1');
  }
  return serverLine;
}

const FRAMING: Framing = {
  contentLength: -1,
  chunked: false,
  close: false,
  connectionNamesFields: false,
  hasServer: false,
  hasDate: false,
  hasGrpcStatus: false,
  out: undefined,
  outStart: 0,
  outLength: 0,
  outLimit: 0,
  serverWritten: false,
};

/**
 * Validates the field lines in `buf[pos..last)` (`pos` at the CRLF ending the status line) as
 * parseFieldLines does — tchar names, field-value characters, a CR only in a CRLF — reads the
 * framing fields, and copies the lines to forward into `out` from `o`
 * (see the top of this file). Undefined when a line or the framing is malformed.
 */
function scanFieldLines(
  buf: Buffer,
  pos: number,
  last: number,
  minor: number,
  out: Buffer,
  o: number,
  plan: ForwardPlan,
): Framing | undefined {
  let contentLength = -1;
  let te: string | undefined;
  let options = 0;
  let hasServer = false;
  let hasDate = false;
  let hasGrpcStatus = false;
  let serverWritten = false;
  const overwriteServer = plan.serverMode === 'OVERWRITE';
  const sv = SOURCE_VIEWS.of(buf);
  const sb = buf.byteOffset;
  // `out` is the slab of the latest reserveCopy; this is its word view, indexed as `out` is.
  const ov = slabWords();
  // buf[last..last+4) is the CRLF CRLF that ends the head: every scan below stops at its CR, so
  // the loops need no bounds check of their own.
  while (pos < last) {
    const ns = pos + 2;
    const lineOut = o;
    let i = ns;
    let c = 0;
    let lower = 0;
    while ((lower = NAME_LOWER[(c = buf[i]!)]!) !== 0) {
      out[o++] = lower;
      i++;
    }
    // Not tchar before the colon: a space or tab there is obs-fold (RFC 9112 §5.2) or whitespace
    // before the colon; anything else is no field line.
    if (i === ns || c !== 58 /* : */) return undefined;
    out[o++] = 58;
    out[o++] = SP;
    let vs = i + 1;
    c = buf[vs]!;
    while (c === 32 || c === 9) c = buf[++vs]!;
    let e = vs;
    // Four bytes at a time while none is a control or DEL (a word read stays inside the head:
    // `e < last`; the line's CR stops it anyway), then byte by byte: visible chars, SP, HTAB and
    // obs-text; a CR only as the start of the line's CRLF.
    let x = 0;
    while (e < last && !stopsValue((x = sv.getUint32(sb + e, true)))) {
      ov.setUint32(o, x, true);
      e += 4;
      o += 4;
    }
    while (VALUE_BYTE[(c = buf[e]!)] === 1) {
      out[o++] = c;
      e++;
    }
    if (c !== 13 || buf[e + 1] !== 10) return undefined;
    let ve = e;
    while (ve > vs && ((c = buf[ve - 1]!) === 32 || c === 9)) ve--;
    if (vs > ve) vs = ve;
    o = putCrlf(out, o - (e - ve));
    let kind = classifyLowered(ov, lineOut, i - ns);
    switch (kind) {
      case LineKind.te:
        kind = buf.toString('latin1', vs, ve).toLowerCase() === 'trailers' ? LineKind.other : LineKind.hop;
        break;
      case LineKind.contentLength: {
        const n = lengthValue(buf, vs, ve);
        if (n < 0 || (contentLength !== -1 && n !== contentLength)) return undefined;
        contentLength = n;
        break;
      }
      case LineKind.transferEncoding: {
        const v = buf.toString('latin1', vs, ve);
        te = te === undefined ? v : te + ',' + v;
        break;
      }
      case LineKind.connection:
        options |= connectionOption(buf, vs, ve);
        break;
      case LineKind.server:
        hasServer = true;
        if (overwriteServer) {
          // The first server line becomes the plan's, in its place; any further ones go.
          o = serverWritten ? lineOut : putBytes(out, lineOut, serverLineFor(plan.serverName));
          serverWritten = true;
        }
        break;
      case LineKind.date:
        hasDate = true;
        break;
      case LineKind.grpcStatus:
        hasGrpcStatus = true;
        kind = LineKind.other;
        break;
    }
    // Hop-by-hop lines and the framing the connection manager writes itself are not forwarded.
    if (kind === LineKind.hop || kind === LineKind.connection || kind === LineKind.transferEncoding)
      o = lineOut;
    pos = e;
  }
  const f = FRAMING;
  f.chunked = false;
  f.contentLength = -1;
  if (te !== undefined) {
    const codings = te.toLowerCase().split(',');
    // Chunked must be the final coding; otherwise the body runs to close (RFC 9112 §6.3 item 4).
    f.chunked = codings[codings.length - 1]!.trim() === 'chunked';
  } else f.contentLength = contentLength;
  f.close = (options & CONNECTION_CLOSE) !== 0 || (minor === 0 && (options & CONNECTION_KEEP_ALIVE) === 0);
  f.connectionNamesFields = (options & CONNECTION_OTHER) !== 0;
  f.hasServer = hasServer;
  f.hasDate = hasDate;
  f.hasGrpcStatus = hasGrpcStatus;
  f.out = out;
  f.outLength = o;
  f.serverWritten = serverWritten;
  return f;
}

/** A Content-Length value: digits, or a list of equal lengths (counted as one); -1 if malformed. */
function lengthValue(buf: Buffer, vs: number, ve: number): number {
  if (ve - vs > 0 && ve - vs <= 15) {
    let n = 0;
    let i = vs;
    for (; i < ve; i++) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i === ve) return n;
  }
  return sameLengths(buf.toString('latin1', vs, ve), -1);
}

/**
 * The CONNECTION_* bits of one Connection line. The common single values are read from the bytes
 * (a string of them is a native call); anything else goes through connectionTokens.
 */
function connectionOption(buf: Buffer, vs: number, ve: number): number {
  const n = ve - vs;
  if (n === 10 && sameLetters(buf, vs, 'keep-alive')) return CONNECTION_KEEP_ALIVE;
  if (n === 5 && sameLetters(buf, vs, 'close')) return CONNECTION_CLOSE;
  return connectionTokens(buf.toString('latin1', vs, ve));
}

/** Responses that never carry a body (RFC 9110 §6.4.1). */
export function responseHasNoBody(requestMethod: string, status: number): boolean {
  return requestMethod === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
}

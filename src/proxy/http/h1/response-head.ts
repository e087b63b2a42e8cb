// HTTP/1.1 response-head parsing for the upstream side (RFC 9112 §4) and the framing rules that
// decide how the response body is delimited (RFC 9112 §6.3).
//
// One pass over the bytes validates the status line and every field line, reads the framing and
// connection fields, and records where each line lies (response-lines.ts). The fields become a
// HeaderMap only when something asks for them (a retry policy, a filter, a header mutation): a
// response that needs none of that is forwarded by copying its lines (response-forward.ts).
import { HeaderMap, type HeaderSource } from '../../headers/index.ts';
import {
  CONNECTION_CLOSE,
  CONNECTION_KEEP_ALIVE,
  CONNECTION_OTHER,
  connectionTokens,
} from './connection-tokens.ts';
import { findHeadEnd, type HeadError, sameLengths, TOKEN } from './request-head.ts';
import { http1Minor } from './request-line.ts';
import { classifyName, LINE, LineKind, type LineTable, lineTable, sameLetters } from './response-lines.ts';

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
   * The bytes the head was parsed from and where its lines lie. Valid only during the read that
   * delivered them (they may be a view of the shared read buffer, and the line table is reused by
   * the next parse): the exchange forwards the head, or asks for `headers`, before it returns.
   */
  readonly source: Buffer;
  readonly start: number;
  readonly statusLineEnd: number;
  /** Where the field lines end (the final CRLF CRLF). */
  readonly fieldsEnd: number;
  readonly lines: LineTable;
  private fields: HeaderMap | undefined;

  constructor(
    status: number,
    versionMinor: number,
    framing: Framing,
    source: Buffer,
    start: number,
    statusLineEnd: number,
    fieldsEnd: number,
    lines: LineTable,
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
    this.lines = lines;
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
      const { source, lines } = this;
      const t = lines.table;
      for (let i = 0; i < lines.count; i++) {
        const at = i * LINE.size;
        const name = source.toString('latin1', t[at + LINE.nameStart], t[at + LINE.nameEnd]);
        h.add(
          (t[at + LINE.flags]! & LINE.upper) !== 0 ? name.toLowerCase() : name,
          source.toString('latin1', t[at + LINE.valueStart], t[at + LINE.valueEnd]),
        );
      }
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
}

/** Name bytes: 0 not tchar, NAME_TCHAR, or NAME_TCHAR | NAME_UPPER for A–Z. */
const NAME_TCHAR = 1;
const NAME_UPPER = 2;
const NAME_BYTE = new Uint8Array(256);
for (let c = 0; c < 128; c++)
  if (TOKEN[c] === 1) NAME_BYTE[c] = c >= 65 && c <= 90 ? NAME_TCHAR | NAME_UPPER : NAME_TCHAR;
/** Field-value bytes (RFC 9110 §5.5): HTAB, SP, visible characters and obs-text. */
const VALUE_BYTE = new Uint8Array(256);
VALUE_BYTE[9] = 1;
for (let c = 32; c < 256; c++) if (c !== 127) VALUE_BYTE[c] = 1;

const SP = 32;

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
  const lines = lineTable();
  const framing = scanFieldLines(buf, lineEnd, last, lines, minor);
  if (framing === undefined) return fail();
  return {
    kind: 'head',
    head: new ResponseHead(status, minor, framing, buf, start, lineEnd, last, lines),
    consumed: end,
  };
}

const FRAMING: Framing = {
  contentLength: -1,
  chunked: false,
  close: false,
  connectionNamesFields: false,
  hasServer: false,
  hasDate: false,
  hasGrpcStatus: false,
};

/**
 * Validates the field lines in `buf[pos..last)` (`pos` at the CRLF ending the status line) as
 * parseFieldLines does — tchar names, field-value characters, a CR only in a CRLF — recording each
 * line in `lines`, and reads the framing fields. Undefined when a line or the framing is malformed.
 */
function scanFieldLines(
  buf: Buffer,
  pos: number,
  last: number,
  lines: LineTable,
  minor: number,
): Framing | undefined {
  let contentLength = -1;
  let te: string | undefined;
  let options = 0;
  let hasServer = false;
  let hasDate = false;
  let hasGrpcStatus = false;
  // buf[last..last+4) is the CRLF CRLF that ends the head: every scan below stops at its CR, so
  // the loops need no bounds check of their own.
  while (pos < last) {
    const ns = pos + 2;
    let i = ns;
    let cls = 0;
    let seen = 0;
    while ((cls = NAME_BYTE[buf[i]!]!) !== 0) {
      seen |= cls;
      i++;
    }
    // Not tchar before the colon: a space or tab there is obs-fold (RFC 9112 §5.2) or whitespace
    // before the colon; anything else is no field line.
    if (i === ns || buf[i] !== 58 /* : */) return undefined;
    const upper = (seen & NAME_UPPER) !== 0;
    let vs = i + 1;
    let c = buf[vs]!;
    while (c === 32 || c === 9) c = buf[++vs]!;
    let e = vs;
    // Visible chars, SP, HTAB and obs-text; a CR only as the start of the line's CRLF.
    while (VALUE_BYTE[buf[e]!] === 1) e++;
    if (buf[e] !== 13 || buf[e + 1] !== 10) return undefined;
    let ve = e;
    while (ve > vs && ((c = buf[ve - 1]!) === 32 || c === 9)) ve--;
    if (vs > ve) vs = ve;
    let kind = classifyName(buf, ns, i);
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
        break;
      case LineKind.date:
        hasDate = true;
        break;
      case LineKind.grpcStatus:
        hasGrpcStatus = true;
        kind = LineKind.other;
        break;
    }
    lines.push(ns, i, vs, ve, kind, upper);
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

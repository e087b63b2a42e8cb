// Forwarding an upstream response head downstream without building its fields as strings: the
// parse already copied the status line and the end-to-end field lines from the upstream's bytes
// (names lower-cased and values trimmed, as the HeaderMap path writes them; hop-by-hop lines left
// out; the server line as the plan says), and the connection manager's own fields are written
// after them here. Used when nothing needs the fields themselves (no response filters, header
// mutations, or Connection-named fields).
import { Buffer } from 'node:buffer';
import { HeaderMap, type HeaderSource } from '../../headers/index.ts';
import { putBytes, putCrlf, putDecimal, putField, putLatin1 } from './head-bytes.ts';
import { parseFieldLines } from './request-head.ts';
import { type ResponseHead, serverLineFor } from './response-head.ts';

/** The edits the connection manager makes to every forwarded response head, besides the server line. */
export interface ForwardEdits {
  /** The date value to add when the upstream sent none. */
  date: string;
  serviceTimeMs: number;
  /** The body is re-framed as chunked downstream. */
  chunked: boolean;
  /** 'close', 'keep-alive' (an HTTP/1.0 client kept alive) or '' for no Connection field. */
  connection: string;
}

/**
 * A head as written downstream, with room after it for the first body bytes (sent in the same
 * write). Its fields are parsed from these bytes only if asked (an access log's %RESP(...)%).
 */
export class SentHead implements HeaderSource {
  /** The head is bytes[start..end); bytes up to `limit` are free for the first body bytes. */
  readonly bytes: Buffer;
  readonly start: number;
  readonly end: number;
  private readonly limit: number;
  private fields: HeaderMap | undefined;

  constructor(bytes: Buffer, start: number, end: number, limit: number) {
    this.bytes = bytes;
    this.start = start;
    this.end = end;
    this.limit = limit;
  }

  /**
   * The head followed by `data` (framed as a chunk when `chunked`) in one buffer, when it fits in
   * the room left after the head; else undefined. `data` is copied.
   */
  withBody(data: Buffer, chunked: boolean): Buffer | undefined {
    if (!chunked)
      return this.end + data.length > this.limit ? undefined : this.withBodyBytes(data, 0, data.length);
    const out = this.bytes;
    let pos = this.end;
    const size = data.length.toString(16);
    if (pos + data.length + size.length + 4 > this.limit) return undefined;
    if (data.length === 0) return out.subarray(this.start, pos);
    pos = putCrlf(out, putLatin1(out, pos, size));
    pos += data.copy(out, pos);
    return out.subarray(this.start, putCrlf(out, pos));
  }

  /** The head alone. */
  head(): Buffer {
    return this.bytes.subarray(this.start, this.end);
  }

  /**
   * The head followed by `src[from..from+length)`, which must fit in the room after the head. A
   * short body is copied in a loop: Buffer#copy's argument checks cost more than a few bytes.
   */
  withBodyBytes(src: Buffer, from: number, length: number): Buffer {
    const out = this.bytes;
    let pos = this.end;
    if (length <= 32) for (let i = from; i < from + length; i++) out[pos++] = src[i]!;
    else pos += src.copy(out, pos, from, from + length);
    return out.subarray(this.start, pos);
  }

  get headers(): HeaderMap {
    let h = this.fields;
    if (h === undefined) {
      h = this.fields = new HeaderMap();
      const text = this.bytes.toString('latin1', this.start, this.end - 4);
      const lineEnd = text.indexOf('\r\n');
      if (lineEnd !== -1) parseFieldLines(text, lineEnd, h);
    }
    return h;
  }
}

/**
 * Body bytes up to this size go out in the head's write (one syscall instead of two): copied after
 * a forwarded head (the parse leaves room for them), or appended to a head made as a string.
 */
export const BODY_WITH_HEAD_MAX = 4096;

const SERVICE_TIME = Buffer.from('x-envoy-upstream-service-time: ', 'latin1');

/**
 * The downstream head for `h` with `edits` applied, in the buffer the parse copied it into (with
 * room after it for the first body bytes, as the parse's plan asked). Call once per head.
 */
export function forwardResponseHead(h: ResponseHead, edits: ForwardEdits): SentHead {
  const out = h.forwarded;
  let pos = h.forwardedEnd;
  const mode = h.plan.serverMode;
  if (!h.serverWritten && (mode === 'OVERWRITE' || (mode === 'APPEND_IF_ABSENT' && !h.hasServer)))
    pos = putBytes(out, pos, serverLineFor(h.plan.serverName));
  if (!h.hasDate) pos = putField(out, pos, 'date', edits.date);
  pos = putCrlf(out, putDecimal(out, putBytes(out, pos, SERVICE_TIME), edits.serviceTimeMs));
  if (edits.chunked) pos = putField(out, pos, 'transfer-encoding', 'chunked');
  if (edits.connection !== '') pos = putField(out, pos, 'connection', edits.connection);
  pos = putCrlf(out, pos);
  return new SentHead(out, h.forwardedStart, pos, h.forwardedLimit);
}

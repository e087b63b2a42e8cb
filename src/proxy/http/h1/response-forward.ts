// Forwarding an upstream response head downstream without building its fields as strings: the
// status line and the end-to-end field lines are copied from the upstream's bytes (names
// lower-cased and values trimmed, as the HeaderMap path writes them), the hop-by-hop lines left
// out, and the connection manager's own fields written after them. Used when nothing needs the
// fields themselves (no response filters, header mutations, or Connection-named fields).
import { Buffer } from 'node:buffer';
import { HeaderMap, type HeaderSource } from '../../headers/index.ts';
import { putBytes, putCrlf, putDecimal, putField, putLatin1 } from './head-bytes.ts';
import { parseFieldLines } from './request-head.ts';
import type { ResponseHead } from './response-head.ts';
import { LINE, LineKind } from './response-lines.ts';

/** The HCM's server_header_transformation. */
export type ServerHeaderTransformation = 'OVERWRITE' | 'APPEND_IF_ABSENT' | 'PASS_THROUGH';

/** The edits the connection manager makes to every forwarded response head. */
export interface ForwardEdits {
  serverMode: ServerHeaderTransformation;
  serverName: string;
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
  readonly bytes: Buffer;
  readonly length: number;
  private fields: HeaderMap | undefined;

  constructor(bytes: Buffer, length: number) {
    this.bytes = bytes;
    this.length = length;
  }

  /**
   * The head followed by `data` (framed as a chunk when `chunked`) in one buffer, when it fits in
   * the room left after the head; else undefined. `data` is copied.
   */
  withBody(data: Buffer, chunked: boolean): Buffer | undefined {
    const out = this.bytes;
    let pos = this.length;
    const size = data.length.toString(16);
    if (pos + data.length + (chunked ? size.length + 4 : 0) > out.length) return undefined;
    if (chunked) {
      if (data.length === 0) return out.subarray(0, pos);
      pos = putCrlf(out, putLatin1(out, pos, size));
    }
    pos += data.copy(out, pos);
    if (chunked) pos = putCrlf(out, pos);
    return out.subarray(0, pos);
  }

  /** The head alone. */
  head(): Buffer {
    return this.bytes.subarray(0, this.length);
  }

  /** The head followed by `src[start..start+length)`, which must fit in the room after the head. */
  withBodyBytes(src: Buffer, start: number, length: number): Buffer {
    const end = this.length + src.copy(this.bytes, this.length, start, start + length);
    return this.bytes.subarray(0, end);
  }

  get headers(): HeaderMap {
    let h = this.fields;
    if (h === undefined) {
      h = this.fields = new HeaderMap();
      const text = this.bytes.toString('latin1', 0, this.length - 4);
      const lineEnd = text.indexOf('\r\n');
      if (lineEnd !== -1) parseFieldLines(text, lineEnd, h);
    }
    return h;
  }
}

/** Room for the fields added here, besides the server name and the date. */
const ADDED_MAX = 160;

const HTTP_11 = Buffer.from('HTTP/1.1', 'latin1');
const SERVICE_TIME = Buffer.from('x-envoy-upstream-service-time: ', 'latin1');
/** The `server` line of the last server name seen (one per connection manager, seldom more). */
let serverName = '';
let serverLine: Uint8Array = Buffer.from('server: \r\n', 'latin1');

function serverLineFor(name: string): Uint8Array {
  if (name !== serverName) {
    serverName = name;
    serverLine = Buffer.from(`server: ${name}\r\n`, 'latin1');
  }
  return serverLine;
}

/**
 * The downstream head for `h` with `edits` applied, in a buffer with at least `spare` bytes free
 * after it. `h` must be the head of the current read (its bytes and line table are still valid).
 */
export function forwardResponseHead(h: ResponseHead, edits: ForwardEdits, spare: number): SentHead {
  const src = h.source;
  const t = h.lines.table;
  const count = h.lines.count;
  // Each copied line is at most its own bytes plus the space after the colon; CRLFs as in the source.
  const copied = h.fieldsEnd - h.start + count + 4;
  const out = Buffer.allocUnsafe(copied + ADDED_MAX + edits.serverName.length + edits.date.length + spare);
  let pos = putBytes(out, 0, HTTP_11);
  for (let i = h.start + 8; i < h.statusLineEnd; i++) out[pos++] = src[i]!;
  pos = putCrlf(out, pos);
  let serverWritten = false;
  const overwrite = edits.serverMode === 'OVERWRITE';
  for (let l = 0; l < count; l++) {
    const at = l * LINE.size;
    const flags = t[at + LINE.flags]!;
    const kind = flags & LINE.kindMask;
    if (kind === LineKind.hop || kind === LineKind.connection || kind === LineKind.transferEncoding) continue;
    if (kind === LineKind.server && overwrite) {
      // The first server line becomes ours, in its place; any further ones go.
      if (!serverWritten) pos = putBytes(out, pos, serverLineFor(edits.serverName));
      serverWritten = true;
      continue;
    }
    const ne = t[at + LINE.nameEnd]!;
    let i = t[at + LINE.nameStart]!;
    if ((flags & LINE.upper) !== 0) {
      for (; i < ne; i++) {
        const c = src[i]!;
        out[pos++] = c <= 90 && c >= 65 ? c | 0x20 : c;
      }
    } else for (; i < ne; i++) out[pos++] = src[i]!;
    out[pos++] = 58;
    out[pos++] = 32;
    const ve = t[at + LINE.valueEnd]!;
    i = t[at + LINE.valueStart]!;
    if (ve - i > 64) pos += src.copy(out, pos, i, ve);
    else for (; i < ve; i++) out[pos++] = src[i]!;
    pos = putCrlf(out, pos);
  }
  if (!serverWritten && (overwrite || (edits.serverMode === 'APPEND_IF_ABSENT' && !h.hasServer)))
    pos = putBytes(out, pos, serverLineFor(edits.serverName));
  if (!h.hasDate) pos = putField(out, pos, 'date', edits.date);
  pos = putCrlf(out, putDecimal(out, putBytes(out, pos, SERVICE_TIME), edits.serviceTimeMs));
  if (edits.chunked) pos = putField(out, pos, 'transfer-encoding', 'chunked');
  if (edits.connection !== '') pos = putField(out, pos, 'connection', edits.connection);
  pos = putCrlf(out, pos);
  return new SentHead(out, pos);
}

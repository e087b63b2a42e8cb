// Body framing in both directions. The decoder turns framed bytes (Content-Length, chunked with
// trailers, or close-delimited) into data slices of the input buffer — no copies — and reports
// where the message ends; the encoder frames data for the other side.
import { HeaderMap } from '../../headers/index.ts';
import { parseFieldLines } from './request-head.ts';

export type BodyMode = 'none' | 'length' | 'chunked' | 'close';

const ChunkState = {
  size: 0,
  sizeExt: 1,
  sizeLf: 2,
  data: 3,
  dataCr: 4,
  dataLf: 5,
  trailer: 6,
} as const;

/** Max bytes of chunk-size lines and trailers we accept before calling the framing malformed. */
const MAX_TRAILER_BYTES = 64 * 1024;

export class BodyDecoder {
  readonly mode: BodyMode;
  /** Bytes left of the current Content-Length body or chunk. */
  private remaining: number;
  private state: number = ChunkState.size;
  private sizeDigits = 0;
  private trailerText = '';
  done: boolean;
  /** Trailers of a chunked body, when it had any. */
  trailers: HeaderMap | undefined;
  /** Set when the framing is malformed; the message cannot continue. */
  error = false;

  constructor(mode: BodyMode, contentLength = 0) {
    this.mode = mode;
    this.remaining = mode === 'length' ? contentLength : 0;
    this.done = mode === 'none' || (mode === 'length' && contentLength === 0);
  }

  /**
   * Consumes bytes of `buf` from `off`, calling `onData` with each data slice. Returns the index
   * just past the consumed bytes (bytes after the body's end belong to the next message).
   */
  feed(buf: Buffer, off: number, onData: (chunk: Buffer) => void): number {
    if (this.done || this.error) return off;
    const len = buf.length;
    if (this.mode === 'close') {
      if (off < len) onData(off === 0 ? buf : buf.subarray(off));
      return len;
    }
    if (this.mode === 'length') {
      const take = Math.min(this.remaining, len - off);
      if (take > 0) {
        onData(off === 0 && take === len ? buf : buf.subarray(off, off + take));
        this.remaining -= take;
      }
      if (this.remaining === 0) this.done = true;
      return off + take;
    }
    return this.feedChunked(buf, off, onData);
  }

  private feedChunked(buf: Buffer, i: number, onData: (chunk: Buffer) => void): number {
    const len = buf.length;
    while (i < len) {
      switch (this.state) {
        case ChunkState.size: {
          const c = buf[i]!;
          const d = hexValue(c);
          if (d >= 0) {
            if (++this.sizeDigits > 12) return this.fail(i);
            this.remaining = this.remaining * 16 + d;
            i++;
          } else if (this.sizeDigits === 0) {
            return this.fail(i);
          } else if (c === 13) {
            this.state = ChunkState.sizeLf;
            i++;
          } else if (c === 59 /* ; */ || c === 32 || c === 9) {
            this.state = ChunkState.sizeExt;
            i++;
          } else return this.fail(i);
          break;
        }
        case ChunkState.sizeExt: {
          const cr = buf.indexOf(13, i);
          if (cr === -1) return len;
          i = cr + 1;
          this.state = ChunkState.sizeLf;
          break;
        }
        case ChunkState.sizeLf:
          if (buf[i] !== 10) return this.fail(i);
          i++;
          this.sizeDigits = 0;
          this.state = this.remaining === 0 ? ChunkState.trailer : ChunkState.data;
          break;
        case ChunkState.data: {
          const take = Math.min(this.remaining, len - i);
          onData(buf.subarray(i, i + take));
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = ChunkState.dataCr;
          break;
        }
        case ChunkState.dataCr:
          if (buf[i] !== 13) return this.fail(i);
          i++;
          this.state = ChunkState.dataLf;
          break;
        case ChunkState.dataLf:
          if (buf[i] !== 10) return this.fail(i);
          i++;
          this.state = ChunkState.size;
          break;
        case ChunkState.trailer: {
          // Trailer section: field lines then an empty line, or just CRLF when there are none.
          // Kept as text across feeds until its end shows up.
          const before = this.trailerText.length;
          this.trailerText += buf.toString('latin1', i, len);
          let end = -1;
          if (this.trailerText.startsWith('\r\n')) end = 2;
          else {
            const e = this.trailerText.indexOf('\r\n\r\n');
            if (e !== -1) end = e + 4;
          }
          if (end === -1) return this.trailerText.length > MAX_TRAILER_BYTES ? this.fail(i) : len;
          if (end > 2) {
            const trailers = new HeaderMap();
            if (parseFieldLines('\r\n' + this.trailerText.slice(0, end - 4), 0, trailers))
              return this.fail(i);
            this.trailers = trailers;
          }
          this.trailerText = '';
          this.done = true;
          return i + (end - before);
        }
      }
    }
    return i;
  }

  private fail(i: number): number {
    this.error = true;
    return i;
  }
}

/** The value of a hex digit's character code, or -1. */
export function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/** Something we can write framed bytes to: a socket or a test double with the same method. */
export interface ByteSink {
  write(data: Buffer | string, encoding?: BufferEncoding): boolean;
}

/** Writes one chunk of a chunked body; returns the sink's backpressure signal. */
export function writeChunk(sink: ByteSink, data: Buffer): boolean {
  if (data.length === 0) return true;
  sink.write(data.length.toString(16) + '\r\n', 'latin1');
  sink.write(data);
  return sink.write(CRLF);
}

/** A head and a first body chunk (framed as a chunk when `chunked`) as one latin1 string, for one write. */
export function headWithBody(head: string, data: Buffer, chunked: boolean): string {
  const body = data.toString('latin1');
  if (!chunked) return head + body;
  return data.length === 0 ? head : head + data.length.toString(16) + '\r\n' + body + '\r\n';
}

/** Writes the last chunk and the trailer section (if any). */
export function writeLastChunk(sink: ByteSink, trailers?: HeaderMap): boolean {
  if (trailers === undefined || trailers.size === 0) return sink.write(LAST_CHUNK);
  let s = '0\r\n';
  for (let i = 0; i < trailers.size; i++) s += trailers.names[i] + ': ' + trailers.values[i] + '\r\n';
  return sink.write(s + '\r\n', 'latin1');
}

// The request line of an HTTP/1.x head (RFC 9112 §3), checked on the bytes before any string is
// made of them, and the head's one string (its latin1 text). Split from request-head.ts, which
// parses the rest; the status line shares http1Minor.
import { Buffer } from 'node:buffer';

type Latin1Slicer = { latin1Slice?: (start: number, end: number) => string };
/**
 * Buffer's own latin1 decoder, which toString('latin1', …) ends in after checking its arguments and
 * looking the encoding up: called directly, the first string of a request costs less (about
 * 0.5 µs of ~20 between a request's read and its upstream write, measured with the caches cold
 * between requests, as at a low request rate).
 */
const LATIN1_SLICE = (Buffer.prototype as unknown as Latin1Slicer).latin1Slice;

export function latin1(buf: Buffer, start: number, end: number): string {
  return LATIN1_SLICE !== undefined ? LATIN1_SLICE.call(buf, start, end) : buf.toString('latin1', start, end);
}

/** The request line, read from the bytes (one scratch object: parsing is synchronous). */
export interface RequestLine {
  /** The method when it is a common one (a shared constant), else ''. */
  method: string;
  /** Offsets from the head's start: the first space, the space before the version, the CRLF. */
  sp1: number;
  sp2: number;
  lineEnd: number;
  versionMinor: number;
}

const LINE: RequestLine = { method: '', sp1: 0, sp2: 0, lineEnd: 0, versionMinor: 1 };

/** 'HTTP/1.' */
const HTTP_1 = [72, 84, 84, 80, 47, 49, 46];

/**
 * The minor version of an `HTTP/1.0` or `HTTP/1.1` at buf[at..at+8), compared byte by byte (a
 * string of them is a native call, dearer than the check); -1 for anything else. Shared by the
 * request line and the status line.
 */
export function http1Minor(buf: Buffer, at: number): number {
  for (let k = 0; k < 7; k++) if (buf[at + k] !== HTTP_1[k]) return -1;
  const minor = buf[at + 7]! - 48;
  return minor === 0 || minor === 1 ? minor : -1;
}

/**
 * Checks `method SP request-target SP HTTP-version` in buf[start..last) byte by byte — the version
 * exactly 8 characters, a target with no controls and no space — before any string is made of it:
 * each string operation on a cold cache costs more than the whole check.
 */
export function scanRequestLine(buf: Buffer, start: number, last: number): RequestLine | undefined {
  let lineEnd = start;
  while (lineEnd < last && buf[lineEnd] !== 13) lineEnd++;
  // A CR only as the start of the line's CRLF (the field lines begin after it).
  if (lineEnd < last && buf[lineEnd + 1] !== 10) return undefined;
  let sp1 = start;
  while (sp1 < lineEnd && buf[sp1] !== 32) sp1++;
  const sp2 = lineEnd - 9;
  if (sp1 === start || sp2 <= sp1 + 1 || buf[sp2] !== 32) return undefined;
  const minor = http1Minor(buf, sp2 + 1);
  if (minor === -1) return undefined;
  for (let i = sp1 + 1; i < sp2; i++) {
    const c = buf[i]!;
    if (c <= 0x20 || c === 0x7f) return undefined;
  }
  const line = LINE;
  line.method = knownMethod(buf, start, sp1);
  line.sp1 = sp1 - start;
  line.sp2 = sp2 - start;
  line.lineEnd = lineEnd - start;
  line.versionMinor = minor;
  return line;
}

const KNOWN_METHODS = ['GET', 'PUT', 'POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT'];

/** The method buf[start..end) as its constant when it is a common one, else ''. */
function knownMethod(buf: Buffer, start: number, end: number): string {
  for (let k = 0; k < KNOWN_METHODS.length; k++) {
    const m = KNOWN_METHODS[k]!;
    if (m.length !== end - start) continue;
    let j = 0;
    while (j < m.length && buf[start + j] === m.charCodeAt(j)) j++;
    if (j === m.length) return m;
  }
  return '';
}

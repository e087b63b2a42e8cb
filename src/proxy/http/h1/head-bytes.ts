// Writing a head's text straight into a Buffer, a character per byte. Heads are built this way
// rather than as strings because a string head costs twice: its concatenations, then the write's
// flattening and copying of the cons string into the socket's buffer. Characters are stored as
// their low byte, which is what a latin1 write of the same string sends.
import type { Buffer } from 'node:buffer';

/** `s` at out[pos..], one byte per character; returns the position after it. */
export function putLatin1(out: Buffer, pos: number, s: string): number {
  for (let k = 0; k < s.length; k++) out[pos++] = s.charCodeAt(k);
  return pos;
}

/** CRLF at out[pos..]; returns the position after it. */
export function putCrlf(out: Buffer, pos: number): number {
  out[pos] = 13;
  out[pos + 1] = 10;
  return pos + 2;
}

/** One field line `name: value` CRLF at out[pos..]; returns the position after it. */
export function putField(out: Buffer, pos: number, name: string, value: string): number {
  pos = putLatin1(out, pos, name);
  out[pos++] = 58;
  out[pos++] = 32;
  pos = putLatin1(out, pos, value);
  return putCrlf(out, pos);
}

// Writing a head's pieces straight into a Buffer: the forwarded response head (response-forward.ts),
// whose lines are copied from the upstream's bytes, gets its own fields this way. Characters are
// stored as their low byte, which is what a latin1 write of the same string sends. (Request heads
// are strings: their pieces are strings already, see serialize.ts.)
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

/** `bytes` at out[pos..]; returns the position after them (a loop: heads' pieces are short). */
export function putBytes(out: Buffer, pos: number, bytes: Uint8Array): number {
  for (let k = 0; k < bytes.length; k++) out[pos++] = bytes[k]!;
  return pos;
}

/**
 * `n` in decimal at out[pos..], as String(n) writes it; returns the position after it. Digits are
 * stored directly for non-negative safe integers (a service time, a length), with no string made.
 */
export function putDecimal(out: Buffer, pos: number, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) return putLatin1(out, pos, String(n));
  if (n < 10) {
    out[pos] = 48 + n;
    return pos + 1;
  }
  let digits = 1;
  for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
  let end = pos + digits;
  for (let m = n; end > pos; m = Math.floor(m / 10)) out[--end] = 48 + (m % 10);
  return pos + digits;
}

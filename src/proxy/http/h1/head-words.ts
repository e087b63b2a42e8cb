// Reading heads four bytes at a time. A byte loop in optimised JavaScript costs about 24
// instructions a byte here (the bounds check of each access, an overflow check on each index, a
// stack check per iteration, spills), and a DataView's 32-bit read or write is not much dearer
// than one byte's: field values are checked and copied a word at a time (SWAR: the checks of four
// bytes in a few integer operations), and field names are told apart by comparing whole words.
// (Measured under callgrind: a few hundred instructions saved per response; a word loop for the
// names themselves saved nothing measurable and was not kept.)
import { Buffer } from 'node:buffer';

/**
 * A DataView over the memory a Buffer lies in, made once per ArrayBuffer and kept while buffers
 * of the same one come (the shared read buffer; Node's 8 KiB allocation pool). Offsets into it
 * are the Buffer's byteOffset plus the index.
 */
export class ViewCache {
  /** The Buffer last asked about: the same object again needs no look at its memory. */
  private last: Buffer | undefined;
  private memory: ArrayBufferLike | undefined;
  private view: DataView | undefined;

  of(buf: Buffer): DataView {
    if (buf === this.last && this.view !== undefined) return this.view;
    // `buffer` is a call into V8's runtime: only when the Buffer is another one.
    const memory = buf.buffer;
    if (memory !== this.memory || this.view === undefined) {
      this.memory = memory;
      this.view = new DataView(memory);
    }
    this.last = buf;
    return this.view;
  }
}

/**
 * Where forwarded response heads are copied: regions of one large Buffer, handed out in turn, a new
 * one started when it is full (the old stays alive while views of it are). The slab comes with its
 * word view, and a head costs one typed array (the view it is written as) instead of two (an
 * allocation from Node's pool, then that view).
 */
const SLAB_SIZE = 64 * 1024;
let slab: Buffer = Buffer.allocUnsafeSlow(SLAB_SIZE);
let slabView = new DataView(slab.buffer, slab.byteOffset, slab.length);
let slabUsed = 0;

/** A region of `size` bytes: the slab it lies in (`slabOf`, `slabWords`) at the returned offset. */
export function reserveCopy(size: number): number {
  if (slabUsed + size > slab.length) {
    slab = Buffer.allocUnsafeSlow(Math.max(SLAB_SIZE, size));
    slabView = new DataView(slab.buffer, slab.byteOffset, slab.length);
    slabUsed = 0;
  }
  const at = slabUsed;
  // 8-byte aligned, as Node's pool aligns its slices.
  slabUsed = (at + size + 7) & ~7;
  return at;
}

/** The slab the last reserveCopy's region lies in. */
export function slabOf(): Buffer {
  return slab;
}

/** The same slab as a DataView, for word reads and writes (offsets as in `slabOf()`). */
export function slabWords(): DataView {
  return slabView;
}

/**
 * Whether a little-endian word holds a byte that stops a field value's fast copy: a control
 * (below 0x20: CR, HTAB, or one a field value may not hold) or DEL. Bytes from 0x80 up are
 * obs-text, allowed, and never flagged (the ~x masks them); the test is exact for "any such byte".
 */
export function stopsValue(x: number): boolean {
  const del = x ^ 0x7f7f7f7f;
  return ((((x - 0x20202020) & ~x) | ((del - 0x01010101) & ~del)) & 0x80808080) !== 0;
}

/** The little-endian 32-bit word of s[k..k+4) (latin1), as a DataView reads it from those bytes. */
export function word(s: string, k = 0): number {
  return (
    (s.charCodeAt(k) |
      (s.charCodeAt(k + 1) << 8) |
      (s.charCodeAt(k + 2) << 16) |
      (s.charCodeAt(k + 3) << 24)) >>>
    0
  );
}

/** The little-endian 16-bit word of s[k..k+2). */
export function half(s: string, k = 0): number {
  return s.charCodeAt(k) | (s.charCodeAt(k + 1) << 8);
}

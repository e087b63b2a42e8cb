// xxHash64, the hash Envoy uses for ring-hash and Maglev host placement and for request hash
// policies. BigInt arithmetic: used at config time per host, and once per hashed request; strings
// are encoded into a reused scratch buffer so a request's hash allocates no byte array.

const MASK = (1n << 64n) - 1n;
const P1 = 11400714785074694791n;
const P2 = 14029467366897019727n;
const P3 = 1609587929392839161n;
const P4 = 9650029242287828579n;
const P5 = 2870177450012600261n;

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & MASK;
const round = (acc: bigint, lane: bigint): bigint => (rotl((acc + lane * P2) & MASK, 31n) * P1) & MASK;
const merge = (acc: bigint, v: bigint): bigint => (((acc ^ round(0n, v)) * P1) & MASK) + (P4 & MASK);

const encoder = new TextEncoder();
let scratch = new Uint8Array(256);
let scratchView = new DataView(scratch.buffer);

/** xxHash64 of `input` (a string hashes its UTF-8 bytes, lone surrogates as U+FFFD). */
export function xxHash64(input: string | Uint8Array, seed = 0n): bigint {
  if (typeof input !== 'string')
    return hashBytes(
      input,
      new DataView(input.buffer, input.byteOffset, input.byteLength),
      input.length,
      seed,
    );
  // UTF-8 needs at most 3 bytes per UTF-16 unit; hashing is synchronous, so one scratch serves all.
  if (input.length * 3 > scratch.length) {
    scratch = new Uint8Array(Math.max(input.length * 3, scratch.length * 2));
    scratchView = new DataView(scratch.buffer);
  }
  const written = encoder.encodeInto(input, scratch).written;
  return hashBytes(scratch, scratchView, written, seed);
}

function hashBytes(data: Uint8Array, view: DataView, len: number, seed: bigint): bigint {
  let i = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = (seed + P1 + P2) & MASK;
    let v2 = (seed + P2) & MASK;
    let v3 = seed & MASK;
    let v4 = (seed - P1) & MASK;
    for (; i + 32 <= len; i += 32) {
      v1 = round(v1, view.getBigUint64(i, true));
      v2 = round(v2, view.getBigUint64(i + 8, true));
      v3 = round(v3, view.getBigUint64(i + 16, true));
      v4 = round(v4, view.getBigUint64(i + 24, true));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK;
    h = merge(h, v1) & MASK;
    h = merge(h, v2) & MASK;
    h = merge(h, v3) & MASK;
    h = merge(h, v4) & MASK;
  } else {
    h = (seed + P5) & MASK;
  }
  h = (h + BigInt(len)) & MASK;
  for (; i + 8 <= len; i += 8) {
    h ^= round(0n, view.getBigUint64(i, true));
    h = ((rotl(h, 27n) * P1) & MASK) + P4;
    h &= MASK;
  }
  if (i + 4 <= len) {
    h ^= (BigInt(view.getUint32(i, true)) * P1) & MASK;
    h = (((rotl(h, 23n) * P2) & MASK) + P3) & MASK;
    i += 4;
  }
  for (; i < len; i++) {
    h ^= (BigInt(data[i]!) * P5) & MASK;
    h = (rotl(h, 11n) * P1) & MASK;
  }
  h ^= h >> 33n;
  h = (h * P2) & MASK;
  h ^= h >> 29n;
  h = (h * P3) & MASK;
  h ^= h >> 32n;
  return h;
}

// x-request-id values (UUID v4, as Envoy generates them), made in batches. crypto.randomUUID()
// returns a string concatenated from its parts, which the socket write then has to flatten; here
// one native call fills random bytes for BATCH ids, they are formatted into one latin1 buffer,
// decoded as one flat string, and each id is a slice of it.
import { randomFillSync } from 'node:crypto';

const BATCH = 128;
const ID_LENGTH = 36;
const HEX = '0123456789abcdef';

const random = Buffer.allocUnsafe(BATCH * 16);
const text = Buffer.allocUnsafe(BATCH * ID_LENGTH);
let batch = '';
let next = BATCH;

function refill(): void {
  randomFillSync(random);
  let pos = 0;
  for (let id = 0; id < BATCH; id++) {
    const r = id * 16;
    // Version 4 and the RFC 9562 variant bits.
    random[r + 6] = (random[r + 6]! & 0x0f) | 0x40;
    random[r + 8] = (random[r + 8]! & 0x3f) | 0x80;
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) text[pos++] = 45; // '-'
      const b = random[r + i]!;
      text[pos++] = HEX.charCodeAt(b >> 4);
      text[pos++] = HEX.charCodeAt(b & 15);
    }
  }
  batch = text.toString('latin1');
  next = 0;
}

/** A fresh random UUID (version 4), lower-case, as x-request-id carries it. */
export function newRequestId(): string {
  if (next === BATCH) refill();
  const at = next++ * ID_LENGTH;
  return batch.slice(at, at + ID_LENGTH);
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stopsValue } from './head-words.ts';

const word = (bs: readonly number[]) => (bs[0]! | (bs[1]! << 8) | (bs[2]! << 16) | (bs[3]! << 24)) >>> 0;
/** Bytes a value's word copy passes over: not a control (HTAB and CR included) and not DEL. */
const plainValue = (b: number) => b >= 0x20 && b !== 0x7f;

/** Words with every byte value at every position (the others from `fill`), and pseudo-random ones. */
function* words(fill: readonly number[]): Generator<number[]> {
  for (let pos = 0; pos < 4; pos++)
    for (let b = 0; b < 256; b++) {
      const bs = [...fill];
      bs[pos] = b;
      yield bs;
    }
  let seed = 12345;
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed >> 16;
  };
  const common = [
    0x41, 0x5a, 0x61, 0x7a, 0x30, 0x39, 0x2d, 0x40, 0x5b, 0x60, 0x7b, 0x2f, 0x3a, 0x20, 0x7f, 0x80,
  ];
  for (let t = 0; t < 20000; t++)
    yield [0, 1, 2, 3].map(() => (next() & 1 ? common[next() % common.length]! : next() & 0xff));
}

test('stopsValue: true exactly when a byte is a control or DEL, as byte by byte', () => {
  for (const fill of [
    [0x61, 0x20, 0x7e, 0x80],
    [0xff, 0x21, 0x3a, 0x2c],
  ])
    for (const bs of words(fill)) assert.equal(stopsValue(word(bs)), !bs.every(plainValue), bs.join(','));
});

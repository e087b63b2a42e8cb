import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { test } from 'node:test';
import { putBytes, putDecimal } from './head-bytes.ts';

test('putDecimal writes what String(n) writes, digits straight for non-negative integers', () => {
  for (const n of [0, 7, 9, 10, 99, 100, 15000, 123456789, 2 ** 53 - 1, -1, -250, 1.5, Number.NaN]) {
    const out = Buffer.alloc(32, 0x2e);
    const end = putDecimal(out, 3, n);
    assert.equal(out.toString('latin1', 3, end), String(n), `n = ${n}`);
    assert.equal(out[2], 0x2e, 'nothing written before pos');
    assert.equal(out[end], 0x2e, 'nothing written after the digits');
  }
});

test('putBytes copies bytes into a head', () => {
  const bytes = Buffer.from('server: envoy\r\n', 'latin1');
  const out = Buffer.alloc(20);
  const end = putBytes(out, 2, bytes);
  assert.equal(end, 2 + bytes.length);
  assert.equal(out.toString('latin1', 2, end), 'server: envoy\r\n');
});

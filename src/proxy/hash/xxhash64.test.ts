import assert from 'node:assert/strict';
import { test } from 'node:test';
import { xxHash64 } from './index.ts';

test('xxHash64 matches the reference vectors', () => {
  assert.equal(xxHash64(''), 0xef46db3751d8e999n);
  assert.equal(xxHash64('a'), 0xd24ec4f1a98c6e5bn);
  assert.equal(xxHash64('abc'), 0x44bc2cf5ad770999n);
  assert.equal(xxHash64('Nobody inspects the spammish repetition'), 0xfbcea83c8a378bf1n);
});

test('xxHash64 of a string is that of its UTF-8 bytes, long and non-ASCII ones included', () => {
  for (const s of ['héllo wörld', '日本語', '😀 emoji', 'x'.repeat(1000), '\ud800 lone', 'y'.repeat(40)]) {
    assert.equal(xxHash64(s), xxHash64(new Uint8Array(Buffer.from(s, 'utf8'))), s);
  }
  // After a long input grew the scratch buffer, short inputs still hash alone.
  assert.equal(xxHash64('a'), 0xd24ec4f1a98c6e5bn);
});

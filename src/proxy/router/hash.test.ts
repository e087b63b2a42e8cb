import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HashPolicyConfig } from '../config/index.ts';
import { computeHash, hash64 } from './index.ts';
import { request } from './test-fixtures.ts';

/** Reference FNV-1a 64 with BigInt over Buffer bytes, to check the 32-bit-halves version. */
function fnvReference(text: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(text, 'utf8')) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

test('hash64 is FNV-1a 64 over UTF-8 bytes', () => {
  assert.equal(hash64(''), 0xcbf29ce484222325n);
  assert.equal(hash64('a'), 0xaf63dc4c8601ec8cn); // published FNV-1a 64 test vector
  for (const s of [
    'foobar',
    '10.0.0.1:9080',
    'héllo wörld',
    '日本語',
    '😀 emoji',
    'x'.repeat(1000),
    '\ud800 lone',
  ]) {
    assert.equal(hash64(s), fnvReference(s), s);
  }
});

const header = (name: string, terminal = false): HashPolicyConfig => ({
  spec: { kind: 'header', name },
  terminal,
});
const rotl = (h: bigint) => ((h << 1n) | (h >> 63n)) & 0xffffffffffffffffn;

test('policies combine as rotl(h,1) ^ next; missing inputs are skipped; terminal stops', () => {
  const req = request('/p?user=a%20b&user=c', {
    headers: [
      ['x-a', 'A'],
      ['cookie', 'x=1; session="s1"'],
      ['x-b', 'B'],
    ],
  });
  assert.equal(computeHash([header('x-a')], req), hash64('A'));
  assert.equal(computeHash([header('x-missing')], req), undefined);
  assert.equal(computeHash([], req), undefined);
  assert.equal(computeHash([header('x-a'), header('x-b')], req), rotl(hash64('A')) ^ hash64('B'));
  assert.equal(computeHash([header('x-missing', true), header('x-b')], req), hash64('B'));
  assert.equal(computeHash([header('x-a', true), header('x-b')], req), hash64('A'));
  assert.equal(computeHash([{ spec: { kind: 'source_ip' }, terminal: false }], req), hash64('10.0.0.7'));
  assert.equal(
    computeHash([{ spec: { kind: 'query_parameter', name: 'user' }, terminal: false }], req),
    hash64('a b'),
  );
  assert.equal(
    computeHash([{ spec: { kind: 'query_parameter', name: 'none' }, terminal: false }], req),
    undefined,
  );
  assert.equal(
    computeHash([{ spec: { kind: 'cookie', name: 'session' }, terminal: false }], req),
    hash64('s1'),
  );
  // A missing cookie with a ttl would make Envoy generate one; here it produces no hash.
  assert.equal(
    computeHash([{ spec: { kind: 'cookie', name: 'other', ttlMs: 1000 }, terminal: false }], req),
    undefined,
  );
  assert.equal(computeHash([header(':path')], req), hash64('/p?user=a%20b&user=c'));
});

test('several values of a header hash the same in any order', () => {
  const ab = request('/', {
    headers: [
      ['x', 'a'],
      ['x', 'b'],
    ],
  });
  const ba = request('/', {
    headers: [
      ['x', 'b'],
      ['x', 'a'],
    ],
  });
  const h = computeHash([header('x')], ab);
  assert.equal(h, computeHash([header('x')], ba));
  assert.notEqual(h, hash64('a'));
});

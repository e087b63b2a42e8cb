import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HashPolicyConfig } from '../config/index.ts';
import { xxHash64 } from '../hash/index.ts';
import { computeHash, hash64 } from './index.ts';
import { request } from './test-fixtures.ts';

test('hash64 is xxHash64 over UTF-8 bytes, as Envoy hashes policy inputs', () => {
  assert.equal(hash64(''), 0xef46db3751d8e999n);
  assert.equal(hash64('a'), 0xd24ec4f1a98c6e5bn); // published xxHash64 test vector (seed 0)
  for (const s of [
    'foobar',
    '10.0.0.1:9080',
    'héllo wörld',
    '日本語',
    '😀 emoji',
    'x'.repeat(1000),
    '\ud800 lone',
  ]) {
    assert.equal(hash64(s), xxHash64(new Uint8Array(Buffer.from(s, 'utf8'))), s);
  }
});

test('similar keys spread over the whole 64-bit range (their top bits differ)', () => {
  const top = new Set<bigint>();
  for (let i = 0; i < 256; i++) top.add(hash64(`user-${i}`) >> 56n);
  // 256 keys into 256 top-byte buckets: a mixed hash fills ~160; FNV-1a filled a handful.
  assert.ok(top.size > 100, `only ${top.size} distinct top bytes`);
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
    // As sent: Envoy does not percent-decode query parameters for hashing.
    hash64('a%20b'),
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

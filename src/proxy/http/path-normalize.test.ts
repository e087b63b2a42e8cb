import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeSlashes, normalizePath, preparePath } from './path-normalize.ts';

test('normalize_path: dot segments, their escaped spellings, backslashes, never above the root', () => {
  const cases: [string, string][] = [
    ['/a/b/../c', '/a/c'],
    ['/a/b/./c', '/a/b/c'],
    ['/a/b/../../../../c', '/c'],
    ['/a/..\\c', '/c'],
    ['/a/b/%2E%2E/c', '/a/c'],
    ['/a/b/%2e%2e/c', '/a/c'],
    ['/a/b/%2E./c', '/a/c'],
    ['/a/b/.%2e/c', '/a/c'],
    ['/a/b/%2E/c', '/a/b/c'],
    ['/../a/b', '/a/b'],
    ['/./a/b', '/a/b'],
    ['/a/b/.', '/a/b/'],
    ['/a/b/..', '/a/'],
    ['/..', '/'],
    ['/a/..b', '/a/..b'],
    ['/a/.b', '/a/.b'],
    ['/A/B/C', '/A/B/C'],
    ['/x/../admin/y?q=/../z', '/admin/y?q=/../z'],
  ];
  for (const [input, want] of cases) assert.equal(normalizePath(input), want, input);
});

test('normalize_path: unreserved escapes decoded, others kept as written, unsafe characters escaped', () => {
  const cases: [string, string][] = [
    ['/%41%7E%2d%5F', '/A~-_'],
    ['/a%2eb', '/a.b'],
    ['/a/%2F%2f/c', '/a/%2F%2f/c'],
    ['/%c0%af', '/%c0%af'],
    ['/%5c%25', '/%5c%25'],
    ['/%zz', '/%zz'],
    ['/a<b>"c{d}|e^f`g', '/a%3Cb%3E%22c%7Bd%7D%7Ce%5Ef%60g'],
    ['/caf\u00e9', '/caf%E9'],
    ["/!$&'()*+,:;=@[]", "/!$&'()*+,:;=@[]"],
    // Nested escapes: decoding must not make a new one ('%2%65' would read '%2e', i.e. '.').
    ['/a/%2%65%2%65/admin', '/a/%252e%252e/admin'],
    ['/%2%46', '/%252F'],
    ['/%%30', '/%0'],
    ['/%%300', '/%2500'],
    ['/%%2f', '/%%2f'],
    ['/%4%2', '/%4%2'],
  ];
  for (const [input, want] of cases) assert.equal(normalizePath(input), want, input);
});

test('normalize_path refuses a NUL, raw or escaped', () => {
  for (const bad of ['/xyz/.%00../abc', '/xyz/%00.%00./abc', '/xyz/AAAAA%%0000/abc', '/a\u0000b'])
    assert.equal(normalizePath(bad), undefined, JSON.stringify(bad));
});

test('a path with nothing to normalize is returned as the same string', () => {
  const p = '/api/v1/products/0/reviews?x=1';
  assert.equal(normalizePath(p), p);
  assert.equal(mergeSlashes(p), p);
  assert.equal(preparePath(p, true, true), p);
});

test('merge_slashes: runs of slashes before the query become one', () => {
  const cases: [string, string][] = [
    ['//a/b/c', '/a/b/c'],
    ['/a/b/c//', '/a/b/c/'],
    ['/a////b/c', '/a/b/c'],
    ['a//b/c/', 'a/b/c/'],
    ['/a//b?a=///c', '/a/b?a=///c'],
    ['/a//b?', '/a/b?'],
    ['//a/?b', '/a/?b'],
    ['', ''],
  ];
  for (const [input, want] of cases) assert.equal(mergeSlashes(input), want, input);
});

test('preparePath: a fragment is refused; normalize before merge; non-paths untouched', () => {
  assert.equal(preparePath('/a#frag', false, false), undefined);
  assert.equal(preparePath('/a//./b', true, true), '/a/b');
  assert.equal(preparePath('/a//./b', true, false), '/a//b');
  assert.equal(preparePath('/a//./b', false, true), '/a/./b');
  assert.equal(preparePath('/a/../b', false, false), '/a/../b');
  assert.equal(preparePath('*', true, true), '*');
  assert.equal(preparePath('/%00', true, false), undefined);
});

// The fast paths of the head scanner, the Connection-option reader and hop-by-hop removal, each
// against the slow path it shortcuts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeaderMap } from '../../headers/index.ts';
import {
  CONNECTION_CLOSE,
  CONNECTION_KEEP_ALIVE,
  CONNECTION_OTHER,
  CONNECTION_UPGRADE,
  connectionNamedFields,
  connectionTokens,
} from './connection-tokens.ts';
import { findHeadEnd, parseRequestHead, parseResponseHead, removeHopByHop } from './index.ts';

test('findHeadEnd finds CRLFCRLF at every offset, before and past the 1 KiB scan, or -1', () => {
  for (const len of [0, 1, 2, 3, 5, 100, 1017, 1018, 1019, 1020, 1021, 1022, 1500, 5000]) {
    // Filler with lone CRs and LFs, which must not end the search early (its last two bytes are
    // plain, so the filler never forms a CRLFCRLF with the one appended).
    const filler = Array.from({ length: len }, (_, i) =>
      i >= len - 2 ? 'a' : i % 7 === 0 ? '\r' : i % 11 === 0 ? '\n' : 'a',
    );
    const buf = Buffer.from(`${filler.join('')}\r\n\r\nbody`, 'latin1');
    assert.equal(findHeadEnd(buf, 0, 0), buf.indexOf('\r\n\r\n') + 4, `at ${len}`);
    assert.equal(findHeadEnd(buf.subarray(0, len + 3), 0, 0), -1, `cut at ${len}`);
  }
  // Resuming after bytes already searched still sees a CRLFCRLF that straddles the boundary.
  const b = Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.equal(findHeadEnd(b, 0, b.length - 2), b.length);
  assert.equal(findHeadEnd(b, 0, b.length - 4), b.length);
});

test('connectionTokens: the common single options without splitting, lists as the slow path', () => {
  assert.equal(connectionTokens('keep-alive'), CONNECTION_KEEP_ALIVE);
  assert.equal(connectionTokens('Keep-Alive'), CONNECTION_KEEP_ALIVE);
  assert.equal(connectionTokens('close'), CONNECTION_CLOSE);
  assert.equal(connectionTokens('Upgrade'), CONNECTION_UPGRADE);
  assert.equal(connectionTokens('KEEP-ALIVE'), CONNECTION_KEEP_ALIVE);
  assert.equal(connectionTokens(' close , Upgrade'), CONNECTION_CLOSE | CONNECTION_UPGRADE);
  assert.equal(connectionTokens('keep-alive, x-secret'), CONNECTION_KEEP_ALIVE | CONNECTION_OTHER);
  assert.equal(connectionTokens(',,'), 0);
  assert.deepEqual(connectionNamedFields('keep-alive, X-Secret ,close,te'), ['x-secret', 'te']);
});

test('a field the Connection header names is removed even when it stands first', () => {
  const h = new HeaderMap();
  for (const [n, v] of [
    ['x-secret', '1'],
    ['x-ok', '1'],
    ['connection', 'x-secret'],
    ['te', 'gzip'],
  ])
    h.add(n!, v!);
  removeHopByHop(h);
  assert.deepEqual(h.names, ['x-ok']);
  const plain = new HeaderMap();
  plain.add('x-a', '1');
  plain.add('connection', 'keep-alive');
  plain.add('x-b', '2');
  removeHopByHop(plain);
  assert.deepEqual(plain.names, ['x-a', 'x-b']);
});

test('request and response connection semantics by version and options', () => {
  const rq = (s: string) => {
    const r = parseRequestHead(Buffer.from(s, 'latin1'), 0, 8192);
    assert.equal(r.kind, 'head');
    return r.kind === 'head' ? r.head : undefined;
  };
  assert.equal(rq('GET / HTTP/1.0\r\n\r\n')?.keepAlive, false);
  assert.equal(rq('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n')?.keepAlive, true);
  assert.equal(rq('GET / HTTP/1.1\r\nHost: a\r\nConnection: x, close\r\n\r\n')?.keepAlive, false);
  assert.equal(
    rq('GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n\r\n')?.upgrade,
    'websocket',
  );
  assert.equal(rq('GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n')?.upgrade, '');
  const rs = (s: string) => {
    const r = parseResponseHead(Buffer.from(s, 'latin1'), 0, 8192);
    assert.equal(r.kind, 'head');
    return r.kind === 'head' ? r.head : undefined;
  };
  assert.equal(rs('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')?.close, false);
  assert.equal(rs('HTTP/1.1 200 OK\r\nConnection: Close\r\n\r\n')?.close, true);
  assert.equal(rs('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n')?.close, true);
  assert.equal(rs('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n')?.close, false);
  assert.equal(rs('HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n')?.contentLength, 5);
  assert.equal(
    parseResponseHead(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n'), 0, 8192).kind,
    'error',
  );
  assert.equal(
    parseResponseHead(
      Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n'),
      0,
      8192,
    ).kind,
    'error',
  );
});

test('request lines read from the bytes: common methods as constants, any other token kept', () => {
  for (const [line, method, target, minor] of [
    ['GET / HTTP/1.1', 'GET', '/', 1],
    ['DELETE /a?b HTTP/1.0', 'DELETE', '/a?b', 0],
    ['OPTIONS * HTTP/1.1', 'OPTIONS', '*', 1],
    ['PROPFIND /dav HTTP/1.1', 'PROPFIND', '/dav', 1],
    ['get /lower HTTP/1.1', 'get', '/lower', 1],
    ['GETX / HTTP/1.1', 'GETX', '/', 1],
  ] as const) {
    const r = parseRequestHead(Buffer.from(`${line}\r\nHost: a\r\n\r\n`, 'latin1'), 0, 8192);
    assert.equal(r.kind, 'head', line);
    if (r.kind !== 'head') continue;
    assert.deepEqual([r.head.method, r.head.target, r.head.versionMinor], [method, target, minor], line);
  }
  // A head that is only its request line (HTTP/1.0 needs no Host).
  const bare = parseRequestHead(Buffer.from('GET /x HTTP/1.0\r\n\r\n', 'latin1'), 0, 8192);
  assert.equal(bare.kind, 'head');
});

test('request lines the one-pass checks must refuse', () => {
  for (const line of [
    'GET  / HTTP/1.1',
    'GET / x HTTP/1.1',
    'GET HTTP/1.1',
    ' GET / HTTP/1.1',
    'GET / HTTP/1.2',
    'GET / HTTP/1.1 ',
    'G(T / HTTP/1.1',
    'GET /\x01 HTTP/1.1',
    'GET / HTTP/1.1\rX',
    'GET /a\rb HTTP/1.1',
    'GET / http/1.1',
    'GET / HTTP/1.1x',
    'GE\x00 / HTTP/1.1',
  ]) {
    const r = parseRequestHead(Buffer.from(`${line}\r\nHost: a\r\n\r\n`, 'latin1'), 0, 8192);
    assert.equal(r.kind, 'error', JSON.stringify(line));
  }
  for (const field of ['X : v', 'X:\rv', 'X: a\nb', ': v', ' X: v', 'X\x7f: v', 'X: v\x00']) {
    const r = parseRequestHead(
      Buffer.from(`GET / HTTP/1.1\r\nHost: a\r\n${field}\r\n\r\n`, 'latin1'),
      0,
      8192,
    );
    assert.equal(r.kind, 'error', JSON.stringify(field));
  }
});

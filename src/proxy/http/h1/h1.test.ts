import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeaderMap } from '../../headers/index.ts';
import {
  BodyDecoder,
  parseRequestHead,
  parseResponseHead,
  removeHopByHop,
  requestHeadText,
  writeChunk,
  writeLastChunk,
} from './index.ts';

const MAX = 60 * 1024;
const req = (s: string) => parseRequestHead(Buffer.from(s, 'latin1'), 0, MAX);

test('origin-form request head with keep-alive defaults', () => {
  const r = req('GET /a?b=1 HTTP/1.1\r\nHost: x.com\r\nX-A:  v \r\n\r\nrest');
  assert.equal(r.kind, 'head');
  if (r.kind !== 'head') return;
  assert.equal(r.head.method, 'GET');
  assert.equal(r.head.path, '/a?b=1');
  assert.equal(r.head.authority, 'x.com');
  assert.equal(r.head.headers.get('x-a'), 'v');
  assert.equal(r.head.keepAlive, true);
  assert.equal(r.consumed, Buffer.byteLength('GET /a?b=1 HTTP/1.1\r\nHost: x.com\r\nX-A:  v \r\n\r\n'));
});

test('field names are lower-cased, well-known ones in any case, near misses as written', () => {
  const r = req(
    'GET / HTTP/1.1\r\nHOST: a\r\nX-Request-ID: 1\r\nuser-agent: u\r\nContent-Typo: t\r\nX-Forwarded-Protx: p\r\nAccept-Encoding: gzip\r\n\r\n',
  );
  assert.equal(r.kind, 'head');
  if (r.kind !== 'head') return;
  assert.deepEqual(r.head.headers.names, [
    'host',
    'x-request-id',
    'user-agent',
    'content-typo',
    'x-forwarded-protx',
    'accept-encoding',
  ]);
  assert.equal(r.head.authority, 'a');
});

test('incomplete head, then 431 once over the limit', () => {
  assert.equal(req('GET / HTTP/1.1\r\nHost: a\r\n').kind, 'incomplete');
  const big = parseRequestHead(Buffer.from('GET / HTTP/1.1\r\nX: ' + 'a'.repeat(200)), 0, 100);
  assert.deepEqual(big, { kind: 'error', error: { status: 431, detail: 'http1.headers_too_large' } });
});

test('absolute-form target becomes origin form with its authority as Host', () => {
  const r = req('GET http://svc:8080/p?q HTTP/1.1\r\nHost: other\r\n\r\n');
  assert.equal(r.kind, 'head');
  if (r.kind !== 'head') return;
  assert.equal(r.head.path, '/p?q');
  assert.equal(r.head.authority, 'svc:8080');
  assert.equal(r.head.headers.get('host'), 'svc:8080');
  const bare = req('GET http://svc HTTP/1.1\r\n\r\n');
  assert.equal(bare.kind === 'head' && bare.head.path, '/');
});

test('authority and asterisk forms', () => {
  const c = req('CONNECT svc:443 HTTP/1.1\r\nHost: svc:443\r\n\r\n');
  assert.equal(c.kind === 'head' && c.head.authority, 'svc:443');
  const o = req('OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.equal(o.kind === 'head' && o.head.path, '*');
});

test('malformed heads are 400 http1.codec_error', () => {
  for (const bad of [
    'GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n',
    'GET / HTTP/1.1\r\nHost : a\r\n\r\n',
    'GET / HTTP/2.0\r\nHost: a\r\n\r\n',
    'G(T / HTTP/1.1\r\nHost: a\r\n\r\n',
    'GET / HTTP/1.1\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n',
  ]) {
    const r = req(bad);
    assert.equal(r.kind, 'error', bad);
    if (r.kind === 'error') assert.deepEqual(r.error, { status: 400, detail: 'http1.codec_error' }, bad);
  }
  const both = req('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n');
  assert.equal(both.kind === 'error' && both.error.status, 400);
  const same = req('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n');
  assert.equal(same.kind === 'head' && same.head.contentLength, 3);
});

test('connection semantics: close, HTTP/1.0, upgrade, expect', () => {
  const close = req('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  assert.equal(close.kind === 'head' && close.head.keepAlive, false);
  const h10 = req('GET / HTTP/1.0\r\n\r\n');
  assert.equal(h10.kind === 'head' && h10.head.keepAlive, false);
  const h10ka = req('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  assert.equal(h10ka.kind === 'head' && h10ka.head.keepAlive, true);
  const up = req('GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n\r\n');
  assert.equal(up.kind === 'head' && up.head.upgrade, 'websocket');
  const ex = req('POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n');
  assert.equal(ex.kind === 'head' && ex.head.expectContinue, true);
});

test('response head parsing and framing', () => {
  const r = parseResponseHead(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'), 0, MAX);
  assert.equal(r.kind, 'head');
  if (r.kind !== 'head') return;
  assert.equal(r.head.status, 200);
  assert.equal(r.head.contentLength, 5);
  const c = parseResponseHead(
    Buffer.from('HTTP/1.0 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n'),
    0,
    MAX,
  );
  assert.equal(c.kind === 'head' && c.head.chunked && c.head.close, true);
  assert.equal(parseResponseHead(Buffer.from('HTTX/1.1 200 OK\r\n\r\n'), 0, MAX).kind, 'error');
});

function decodeAll(dec: BodyDecoder, parts: string[]): { body: string; rest: string } {
  let body = '';
  let rest = '';
  for (const p of parts) {
    const buf = Buffer.from(p, 'latin1');
    const used = dec.feed(buf, 0, (c) => {
      body += c.toString('latin1');
    });
    rest += buf.toString('latin1', used);
  }
  return { body, rest };
}

test('chunked decoding across arbitrary splits, with trailers and what follows', () => {
  const wire = '5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\nNEXT';
  for (let split = 1; split < wire.length; split++) {
    const dec = new BodyDecoder('chunked');
    const out = decodeAll(dec, [wire.slice(0, split), wire.slice(split)]);
    assert.equal(out.body, 'hello world', `split ${split}`);
    assert.equal(dec.done, true);
    assert.equal(dec.trailers?.get('x-u'), '2');
    assert.equal(out.rest, 'NEXT', `split ${split}`);
  }
  const plain = new BodyDecoder('chunked');
  assert.deepEqual(decodeAll(plain, ['3\r\nabc\r\n0\r\n\r\nG']), { body: 'abc', rest: 'G' });
  const bad = new BodyDecoder('chunked');
  decodeAll(bad, ['zz\r\n']);
  assert.equal(bad.error, true);
});

test('content-length decoding stops at the body end', () => {
  const dec = new BodyDecoder('length', 4);
  assert.deepEqual(decodeAll(dec, ['ab', 'cdEF']), { body: 'abcd', rest: 'EF' });
  assert.equal(dec.done, true);
});

test('chunk encoding and hop-by-hop removal', () => {
  let out = '';
  const sink = {
    write(d: Buffer | string) {
      out += typeof d === 'string' ? d : d.toString('latin1');
      return true;
    },
  };
  writeChunk(sink, Buffer.from('hello world!'));
  const t = new HeaderMap();
  t.add('x-t', '1');
  writeLastChunk(sink, t);
  assert.equal(out, 'c\r\nhello world!\r\n0\r\nx-t: 1\r\n\r\n');
  const h = new HeaderMap();
  for (const [n, v] of [
    ['connection', 'keep-alive, x-secret'],
    ['x-secret', '1'],
    ['keep-alive', 't=5'],
    ['te', 'trailers'],
    ['x-ok', '1'],
  ])
    h.add(n!, v!);
  removeHopByHop(h);
  assert.deepEqual(h.names, ['te', 'x-ok']);
});

test('requestHeadText is the request line, each field and the blank line; a latin1 write sends a byte per character', () => {
  const h = new HeaderMap();
  h.add('host', 'svc.ns.svc.cluster.local:8080');
  h.add('x-empty', '');
  h.add('x-latin1', 'caf\u00e9');
  // Beyond latin1 (a config value): its low byte, as a latin1 string write sends.
  h.add('x-wide', 'a\u20acb');
  const expected =
    'POST /reviews/0?x=1&y=%20 HTTP/1.1\r\nhost: svc.ns.svc.cluster.local:8080\r\nx-empty: \r\n' +
    'x-latin1: caf\u00e9\r\nx-wide: a\u20acb\r\n\r\n';
  const text = requestHeadText('POST', '/reviews/0?x=1&y=%20', h);
  assert.equal(text, expected);
  assert.deepEqual(Buffer.from(text, 'latin1'), Buffer.from(expected, 'latin1'));
  // '€' (U+20AC) goes out as its low byte, 0xac.
  assert.ok(Buffer.from(text, 'latin1').includes(Buffer.from('x-wide: a\xacb\r\n', 'latin1')));
  assert.equal(requestHeadText('GET', '/', new HeaderMap()), 'GET / HTTP/1.1\r\n\r\n');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResponseReader } from './response-reader.ts';

const b = (s: string) => Buffer.from(s, 'latin1');

test('content-length responses back to back, split at every byte', () => {
  const wire =
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n';
  const r = new ResponseReader();
  const ends = [];
  for (const ch of wire) {
    const got = r.push(b(ch));
    assert.ok(Array.isArray(got));
    ends.push(...got);
  }
  assert.deepEqual(ends, [
    { status: 200, keepAlive: true },
    { status: 404, keepAlive: true },
  ]);
});

test('chunked bodies with extensions and trailers end at the last chunk', () => {
  const r = new ResponseReader();
  const got = r.push(
    b(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\nok\r\n0\r\nX-Trailer: 1\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
    ),
  );
  assert.deepEqual(got, [
    { status: 200, keepAlive: true },
    { status: 204, keepAlive: true },
  ]);
});

test('Connection: close and HTTP/1.0 without keep-alive mark the connection as ending', () => {
  const r = new ResponseReader();
  assert.deepEqual(r.push(b('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')), [
    { status: 200, keepAlive: false },
  ]);
  assert.deepEqual(new ResponseReader().push(b('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n')), [
    { status: 200, keepAlive: false },
  ]);
});

test('bad framing is an error value', () => {
  assert.match(String(new ResponseReader().push(b('SSH-2.0-x\r\n\r\n'))), /not an HTTP\/1.x status line/);
  assert.match(String(new ResponseReader().push(b('HTTP/1.1 200 OK\r\n\r\n'))), /close-delimited/);
  assert.match(
    String(new ResponseReader().push(b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'))),
    /bad chunk size/,
  );
});

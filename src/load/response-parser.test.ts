import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ParsedResponse, ResponseParser } from './response-parser.ts';

/** Feeds `text` one byte at a time, the worst case for a framing parser. */
function bytewise(p: ResponseParser, text: string): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  for (const b of Buffer.from(text)) {
    const r = p.push(Buffer.from([b]));
    assert.ok(Array.isArray(r), JSON.stringify(r));
    out.push(...r);
  }
  return out;
}

describe('ResponseParser', () => {
  it('finds the ends of keep-alive responses framed by Content-Length, even split bytewise', () => {
    const p = new ResponseParser({ keepBody: true });
    const two =
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello' +
      'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n';
    const rs = bytewise(p, two);
    assert.deepEqual(
      rs.map((r) => [r.status, r.bodyBytes, r.keepAlive, r.body?.toString()]),
      [
        [200, 5, true, 'hello'],
        [503, 0, true, ''],
      ],
    );
    assert.equal(rs[0]!.headerBytes, 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n'.length);
    assert.equal(p.inResponse, false);
  });

  it('de-chunks chunked bodies with extensions and trailers', () => {
    const p = new ResponseParser({ keepBody: true });
    const rs = bytewise(
      p,
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n',
    );
    assert.equal(rs.length, 1);
    assert.equal(rs[0]!.body?.toString(), 'abc0123456789');
    assert.equal(rs[0]!.bodyBytes, 13);
  });

  it('ends a body without framing when the server closes, and marks it not keep-alive', () => {
    const p = new ResponseParser({ keepBody: true });
    assert.deepEqual(p.push(Buffer.from('HTTP/1.0 200 OK\r\n\r\npartial')), []);
    const end = p.end();
    assert.ok(end && !('error' in end));
    assert.equal(end.body?.toString(), 'partial');
    assert.equal(end.keepAlive, false);
  });

  it('skips interim 1xx responses and knows HEAD and 204 answers have no body', () => {
    const p = new ResponseParser();
    p.expectBody(false);
    const rs = p.push(
      Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n'),
    );
    assert.ok(Array.isArray(rs));
    assert.deepEqual(
      rs.map((r) => r.status),
      [200],
    );
    p.expectBody(true);
    const r204 = p.push(Buffer.from('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n'));
    assert.ok(Array.isArray(r204));
    assert.equal(r204[0]!.keepAlive, false);
  });

  it('reports bad framing and truncated responses as values', () => {
    assert.deepEqual(new ResponseParser().push(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')), {
      error: 'not an HTTP/1.x response: "SSH-2.0-OpenSSH"',
    });
    const bad = new ResponseParser().push(
      Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'),
    );
    assert.ok(!Array.isArray(bad) && /bad chunk size/.test(bad.error));
    const cut = new ResponseParser();
    cut.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    assert.deepEqual(cut.end(), { error: 'connection closed in the middle of a response' });
  });
});

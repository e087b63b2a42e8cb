import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRequest, parseHeader, resolveTarget, type Target } from './request.ts';

function target(url: string, proxy?: string, env = {}): Target {
  const t = resolveTarget(url, proxy, env);
  assert.ok(typeof t !== 'string', String(t));
  return t;
}

describe('resolveTarget', () => {
  it('connects straight to the server with an origin-form target', () => {
    const t = target('http://127.0.0.1:8080/get?x=1');
    assert.deepEqual(
      [t.connectHost, t.connectPort, t.requestTarget, t.proxy],
      ['127.0.0.1', 8080, '/get?x=1', undefined],
    );
    assert.equal(target('httpbin/get').connectPort, 80, 'http:// and port 80 are assumed');
  });

  it('sends absolute-form targets to -proxy', () => {
    const t = target('http://httpbin:8000/get', 'http://127.0.0.1:15080');
    assert.deepEqual(
      [t.connectHost, t.connectPort, t.requestTarget],
      ['127.0.0.1', 15080, 'http://httpbin:8000/get'],
    );
  });

  it('uses HTTP_PROXY for names only, honouring NO_PROXY', () => {
    const env = { HTTP_PROXY: 'http://127.0.0.1:15080', NO_PROXY: 'example.com' };
    assert.equal(target('http://httpbin:8000/', undefined, env).connectPort, 15080);
    assert.equal(target('http://127.0.0.1:8000/', undefined, env).proxy, undefined);
    assert.equal(target('http://[::1]:8000/', undefined, env).connectHost, '::1');
    assert.equal(target('http://localhost:8000/', undefined, env).proxy, undefined);
    assert.equal(target('http://api.example.com/', undefined, env).proxy, undefined);
  });

  it('refuses https and garbage', () => {
    assert.match(String(resolveTarget('https://x/', undefined, {})), /only http/);
    assert.match(String(resolveTarget('http://', undefined, {})), /invalid URL/);
  });
});

describe('buildRequest', () => {
  it('writes Host, User-Agent, -H headers and a sized payload', () => {
    const bytes = buildRequest(target('http://httpbin:8000/post'), {
      method: 'POST',
      headers: ['x-a: 1', 'User-Agent: mine'],
      payload: Buffer.from('hi'),
      userAgent: 'weft-load',
    });
    assert.equal(
      bytes.toString(),
      'POST /post HTTP/1.1\r\nHost: httpbin:8000\r\nx-a: 1\r\nUser-Agent: mine\r\n' +
        'Content-Type: application/octet-stream\r\nContent-Length: 2\r\n\r\nhi',
    );
  });

  it('parseHeader wants a name and no line breaks', () => {
    assert.deepEqual(parseHeader('end-user:  jason '), ['end-user', 'jason']);
    assert.equal(typeof parseHeader('novalue'), 'string');
    assert.equal(typeof parseHeader('a b: c'), 'string');
  });
});

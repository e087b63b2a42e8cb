// httpbin as a real process: httpbin.org's JSON shapes, status/delay behaviour and the request log.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { meshRequest } from '../common/index.ts';
import { type AppProcess, call, startApp } from '../test-support.ts';
import { canonicalHeaderName, chooseStatus, parseStatusCodes } from './index.ts';

test('canonical header names and status parsing', () => {
  assert.equal(canonicalHeaderName('x-b3-traceid'), 'X-B3-Traceid');
  assert.equal(canonicalHeaderName('USER-AGENT'), 'User-Agent');
  assert.deepEqual(parseStatusCodes('200,503'), [
    { code: 200, weight: 1 },
    { code: 503, weight: 1 },
  ]);
  assert.equal(parseStatusCodes('abc'), undefined);
  assert.equal(parseStatusCodes('700'), undefined);
  const codes = parseStatusCodes('200:0.9,503:0.1')!;
  assert.equal(
    chooseStatus(codes, () => 0.5),
    200,
  );
  assert.equal(
    chooseStatus(codes, () => 0.95),
    503,
  );
});

describe('httpbin process', () => {
  let bin: AppProcess;
  before(async () => {
    bin = await startApp('httpbin');
  });
  after(() => bin.stop());

  test('/get echoes args, Title-Case headers, origin and url', async () => {
    const res = await call(bin.port, '/get?a=1&b=2&b=3', {
      headers: { 'x-b3-sampled': '1', 'end-user': 'jason' },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'] ?? '', /application\/json/);
    const body = JSON.parse(res.text);
    assert.deepEqual(Object.keys(body), ['args', 'headers', 'origin', 'url']);
    assert.deepEqual(body.args, { a: '1', b: ['2', '3'] });
    assert.equal(body.headers['X-B3-Sampled'], '1');
    assert.equal(body.headers['End-User'], 'jason');
    assert.equal(body.headers['Host'], `127.0.0.1:${bin.port}`);
    assert.equal(body.origin, '127.0.0.1');
    assert.equal(body.url, `http://127.0.0.1:${bin.port}/get?a=1&b=2&b=3`);
    assert.equal((await call(bin.port, '/get', { method: 'POST', body: 'x' })).status, 405);
  });

  test('/headers, /ip, /user-agent, /uuid', async () => {
    const h = JSON.parse((await call(bin.port, '/headers', { headers: { 'x-custom': 'v' } })).text);
    assert.equal(h.headers['X-Custom'], 'v');
    assert.deepEqual(JSON.parse((await call(bin.port, '/ip')).text), { origin: '127.0.0.1' });
    const ua = JSON.parse(
      (await call(bin.port, '/user-agent', { headers: { 'user-agent': 'curl/8' } })).text,
    );
    assert.deepEqual(ua, { 'user-agent': 'curl/8' });
    assert.match(JSON.parse((await call(bin.port, '/uuid')).text).uuid, /^[0-9a-f-]{36}$/);
  });

  test('/status/<code> and a random choice of codes', async () => {
    assert.equal((await call(bin.port, '/status/418')).status, 418);
    const r503 = await call(bin.port, '/status/503');
    assert.equal(r503.status, 503);
    assert.equal(r503.text, '');
    assert.ok([200, 201].includes((await call(bin.port, '/status/200,201')).status));
    assert.equal((await call(bin.port, '/status/abc')).status, 400);
    assert.equal((await call(bin.port, '/status/302')).headers['location'], '/redirect/1');
  });

  test('/anything and /post echo method, body, json and form', async () => {
    const any = JSON.parse(
      (
        await call(bin.port, '/anything/x?q=1', {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: '{"k":[1,2]}',
        })
      ).text,
    );
    assert.equal(any.method, 'PUT');
    assert.equal(any.data, '{"k":[1,2]}');
    assert.deepEqual(any.json, { k: [1, 2] });
    assert.deepEqual(any.args, { q: '1' });
    assert.equal(any.url, `http://127.0.0.1:${bin.port}/anything/x?q=1`);
    const post = JSON.parse(
      (
        await call(bin.port, '/post', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'a=1&a=2&b=x',
        })
      ).text,
    );
    assert.deepEqual(post.form, { a: ['1', '2'], b: 'x' });
    assert.equal(post.json, null);
    assert.equal(post.method, undefined);
    for (const m of ['PUT', 'PATCH', 'DELETE']) {
      assert.equal((await call(bin.port, `/${m.toLowerCase()}`, { method: m })).status, 200);
    }
  });

  test('/delay, /response-headers, /bytes, /html, /', async () => {
    const t0 = Date.now();
    const d = await call(bin.port, '/delay/0.2');
    assert.equal(d.status, 200);
    assert.ok(Date.now() - t0 >= 190);
    assert.ok('headers' in JSON.parse(d.text));
    const rh = await call(bin.port, '/response-headers?x-test=1&x-test=2&foo=bar');
    assert.equal(rh.headers['foo'], 'bar');
    assert.deepEqual(JSON.parse(rh.text).foo, 'bar');
    const bytes = await meshRequest(`http://127.0.0.1:${bin.port}/bytes/17`, { env: {} });
    assert.equal(bytes.body.length, 17);
    assert.match((await call(bin.port, '/html')).text, /<html>/);
    assert.equal((await call(bin.port, '/')).status, 200);
    assert.equal((await call(bin.port, '/nope')).status, 404);
  });

  test('logs each request with its Host, also for absolute-form (proxied) targets', async () => {
    const res = await meshRequest('http://httpbin-shadow:8000/headers?m=1', {
      env: { HTTP_PROXY: `http://127.0.0.1:${bin.port}` },
    });
    assert.equal(JSON.parse(res.body.toString()).headers['Host'], 'httpbin-shadow:8000');
    await bin.waitForLine(/^GET \/headers\?m=1 host=httpbin-shadow:8000$/);
    await call(bin.port, '/status/201', { method: 'POST' });
    await bin.waitForLine(new RegExp(`^POST /status/201 host=127\\.0\\.0\\.1:${bin.port}$`));
  });
});

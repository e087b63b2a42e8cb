// Client pods: httpGet through an explicit proxy, the curl command, and the idle process.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startApp, startUpstream } from '../test-support.ts';
import { curl, httpGet, parseCurlArgs } from './index.ts';

test('httpGet sends absolute-form requests to HTTP_PROXY with the service Host', async (t) => {
  const proxy = await startUpstream((_req, res) => res.end('{"ok":true}'));
  t.after(() => proxy.close());
  const env = { HTTP_PROXY: `http://127.0.0.1:${proxy.port}` };
  const res = await httpGet('http://details:9080/details/0', { headers: { 'End-User': 'jason' }, env });
  assert.equal(res.status, 200);
  assert.equal(res.body, '{"ok":true}');
  await httpGet('http://details:9080/health', { env });
  assert.equal(proxy.seen[0]!.url, 'http://details:9080/details/0');
  assert.equal(proxy.seen[0]!.headers['host'], 'details:9080');
  assert.equal(proxy.seen[0]!.headers['end-user'], 'jason');
  assert.equal(proxy.seen[1]!.headers['connection'], 'keep-alive');
});

test('curl flags: -s -o /dev/null -w, -H, -d, -i, -f, exit codes', async (t) => {
  const up = await startUpstream((req, res) => {
    res.statusCode = req.url?.endsWith('/status/503') ? 503 : 200;
    res.setHeader('x-up', '1');
    res.end(`${req.method} ${req.url}`);
  });
  t.after(() => up.close());
  const env = { HTTP_PROXY: `http://127.0.0.1:${up.port}` };
  const run = async (argv: string[]) => {
    let out = '';
    let err = '';
    const code = await curl(argv, { stdout: (s) => (out += s.toString()), stderr: (s) => (err += s), env });
    return { code, out, err };
  };
  assert.deepEqual(
    await run(['-s', '-o', '/dev/null', '-w', '%{http_code}\\n', 'http://httpbin:8000/status/503']),
    {
      code: 0,
      out: '503\n',
      err: '',
    },
  );
  const post = await run(['-sS', '-H', 'x-a: b', '-d', 'k=v', 'httpbin:8000/post']);
  assert.equal(post.out, 'POST http://httpbin:8000/post');
  assert.equal(up.seen.at(-1)!.headers['x-a'], 'b');
  assert.equal(up.seen.at(-1)!.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.match(
    (await run(['-i', 'http://a:1/x'])).out,
    /^HTTP\/1\.1 200 OK\r\nx-up: 1\r\n[\s\S]*\r\n\r\nGET http:\/\/a:1\/x$/,
  );
  assert.equal((await run(['-sf', 'http://a:1/status/503'])).code, 22);
  const closed = await startUpstream();
  await closed.close();
  let err = '';
  const code = await curl(['-sS', 'http://a:1/'], {
    stdout: () => {},
    stderr: (s) => (err += s),
    env: { HTTP_PROXY: `http://127.0.0.1:${closed.port}` },
  });
  assert.equal(code, 7);
  assert.match(err, /^curl: \(7\)/);
  assert.equal(parseCurlArgs(['-s']), 'no URL specified');
});

test('the curl and sleep apps stay up idle until killed', async (t) => {
  const [c, s] = await Promise.all([startApp('curl'), startApp('sleep')]);
  t.after(() => Promise.all([c.stop(), s.stop()]));
  await new Promise((r) => setTimeout(r, 100));
  assert.doesNotThrow(() => process.kill(c.pid, 0));
  assert.doesNotThrow(() => process.kill(s.pid, 0));
});

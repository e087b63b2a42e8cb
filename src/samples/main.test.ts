// The process entry: app selection, usage errors, and one-shot curl runs.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { call, startApp, startUpstream } from './test-support.ts';

const run = promisify(execFile);
const MAIN = resolve(import.meta.dirname, 'main.ts');

test('helloworld answers with its version and pod', async (t) => {
  const app = await startApp('helloworld', [], { SERVICE_VERSION: 'v2', POD_NAME: 'helloworld-v2-x1' });
  t.after(() => app.stop());
  assert.equal((await call(app.port, '/hello')).text, 'Hello version: v2, instance: helloworld-v2-x1\n');
});

test('an unknown app exits with usage (2)', async () => {
  await assert.rejects(
    run(process.execPath, [MAIN, 'nope'], { env: { PATH: '' }, timeout: 5000 }),
    (err: unknown) => {
      const e = err as { code?: number; stderr?: string };
      return e.code === 2 && /apps: productpage/.test(e.stderr ?? '');
    },
  );
});

test('`main.ts curl <args>` runs one request through HTTP_PROXY and exits', async (t) => {
  const proxy = await startUpstream((req, res) => res.end(`via proxy: ${req.url}`));
  t.after(() => proxy.close());
  const { stdout } = await run(process.execPath, [MAIN, 'curl', '-s', 'http://httpbin:8000/get'], {
    env: { HTTP_PROXY: `http://127.0.0.1:${proxy.port}` },
    timeout: 5000,
  });
  assert.equal(stdout, 'via proxy: http://httpbin:8000/get');
});

// `weft pilot` as users run it: a foreground process that prints where it serves, answers /ready and
// /metrics, and stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';

const WEFT = new URL('../../bin/weft.js', import.meta.url).pathname;

test('weft pilot serves, reports ready and stops on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-pilot-proc-'));
  const child = spawn(
    process.execPath,
    [WEFT, 'pilot', '--config-dir', dir, '--xds-port', '0', '--http-port', '0'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const httpPort = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('pilot did not report its ports within 10 s')), 10_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /HTTP on 127\.0\.0\.1:(\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const ready = await fetch(`http://127.0.0.1:${httpPort}/ready`);
  assert.equal(ready.status, 200);
  const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  assert.match(metrics, /^pilot_xds 0$/m);
  assert.match(metrics, /^pilot_services 0$/m);
  process.kill(child.pid!, 'SIGTERM');
  assert.equal(await exited, 0);
});

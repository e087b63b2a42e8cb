// The weft entry turns on Node's compile cache before any TypeScript loads, so a process whose
// sources are cached never loads the type stripper (bin/compile-cache.js says why that matters).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { compileCacheDir } from '../bin/compile-cache.js';

const ROOT = resolve(import.meta.dirname, '..');

/** Loads the proxy's modules the way `weft proxy` does, in a fresh Node; whether the stripper loaded. */
function loadProxyModules(env: NodeJS.ProcessEnv): boolean {
  const code = `
    const { enableCompileCache } = await import(${JSON.stringify(join(ROOT, 'bin', 'compile-cache.js'))});
    enableCompileCache();
    const m = await import(${JSON.stringify(join(ROOT, 'src', 'cli', 'proxy-main.ts'))});
    if (typeof m.mainProxy !== 'function') throw new Error('no mainProxy');
    console.log(process.moduleLoadList.some((x) => x.includes('amaro')));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { env, encoding: 'utf8' });
  return out.trim() === 'true';
}

test('with the compile cache warm, loading the proxy loads no type stripper', () => {
  const env = { ...process.env };
  delete env['NODE_COMPILE_CACHE'];
  loadProxyModules(env); // fills the cache if this machine's was empty
  assert.equal(loadProxyModules(env), false);
});

test('without the cache the stripper loads (what the cache saves every proxy)', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1' };
  delete env['NODE_COMPILE_CACHE'];
  assert.equal(loadProxyModules(env), true);
});

test('one cache directory per user, in the system temp dir', () => {
  assert.match(compileCacheDir(), /weft-compile-cache-[\w]+$/);
});

test('a proxy caches its modules once they are loaded, not at exit: one killed still warms the next', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-cc-'));
  const env = { ...process.env, NODE_COMPILE_CACHE: dir };
  try {
    // Loads the proxy's modules, flushes as bin/weft.js does, says so, and waits to be killed.
    const first = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const cc = await import(${JSON.stringify(join(ROOT, 'bin', 'compile-cache.js'))});
         await import(${JSON.stringify(join(ROOT, 'src', 'cli', 'proxy-main.ts'))});
         cc.flushCompileCache();
         console.log('loaded');
         setInterval(() => {}, 1000);`,
      ],
      { env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((done, fail) => {
      first.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('loaded')) done();
      });
      first.on('exit', () => fail(new Error('the first process exited early')));
    });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('close', r));
    assert.equal(loadProxyModules(env), false, 'the next process found every module cached');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The weft entry turns on Node's compile cache before any TypeScript loads, so a process whose
// sources are cached never loads the type stripper (bin/compile-cache.js says why that matters).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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

// Where Weft's processes keep Node's compile cache, and turning it on. Plain JavaScript: the weft
// entry calls it before any TypeScript loads.
//
// Node's compile cache keeps, per source file, the JavaScript its type stripping made and V8's
// compiled code. A process whose sources are all in it never loads the stripper — a WebAssembly
// compiler that otherwise stays in the process with its memory: an idle proxy held 116.6 MB RSS
// (58.3 MB anonymous) without the cache and 88.2 MB (35.2 MB) with it — ~25 MB for every sidecar —
// and starts in about half the time. Entries are keyed by the file's content, so an edited source
// is simply compiled again: nothing to build, nothing stale. See docs/proxy.md ("Memory").
import * as nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One directory per user, shared by every mesh, proxy and CLI run on the machine. */
export function compileCacheDir() {
  const user = typeof process.getuid === 'function' ? String(process.getuid()) : 'user';
  return join(tmpdir(), `weft-compile-cache-${user}`);
}

/**
 * Turns the compile cache on for the modules this process loads from now on, unless
 * NODE_COMPILE_CACHE already did (the mesh starts its children with it) or this Node lacks it.
 */
export function enableCompileCache() {
  if (process.env.NODE_COMPILE_CACHE || typeof nodeModule.enableCompileCache !== 'function') return;
  nodeModule.enableCompileCache(compileCacheDir());
}

/**
 * Writes what this process compiled to the cache now, rather than at exit: a proxy is ended by a
 * signal, and one that never exits normally would leave the cache cold for the next.
 */
export function flushCompileCache() {
  if (typeof nodeModule.flushCompileCache === 'function') nodeModule.flushCompileCache();
}

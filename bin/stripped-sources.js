// Running the proxy from JavaScript stripped of its types ahead of time, without a build step.
//
// Node strips types from `.ts` as it loads them, with a WebAssembly compiler that stays in the
// process with its memory: an idle proxy run from `src/` held 116.6 MB RSS (58.3 MB anonymous),
// the same code from stripped `.js` 86.8 MB (33.5 MB anonymous) — ~30 MB for every sidecar of a
// mesh. So the proxy entry looks for a copy of `src/` with types stripped under
// node_modules/.cache/weft-js/<key>/, where <key> hashes every source file's path, size and mtime
// and the Node version: an edited source makes a new key, so the copy is never stale. A missing
// copy is made by a child process (the stripping compiler then lives and dies there), written to a
// temporary directory and renamed into place, so processes starting together never see half of
// one. Specifiers keep their `.ts` (the sources are imported as written): a resolve hook sends
// `.ts` files inside the copy to their `.js`. Anything unexpected — no `node:module` hooks, a
// read-only tree — and the entry imports `src/` as before. Plain JavaScript: it runs before any
// TypeScript may load. See docs/proxy.md ("Memory").
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import * as nodeModule from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');
const CACHE = join(ROOT, 'node_modules', '.cache', 'weft-js');

/** Every file under `dir` (relative paths, sorted), tests left out. */
function sourceFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (!entry.name.endsWith('.test.ts')) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * The copy's key: every source's path, size and mtime, the Node version, and the same of the
 * package.json copied beside the sources and of this module (which decides how copies are made).
 */
export function sourceKey(srcDir) {
  const h = createHash('sha256').update(process.version);
  for (const file of [fileURLToPath(import.meta.url), join(srcDir, '..', 'package.json')]) {
    const s = statSync(file, { throwIfNoEntry: false });
    if (s !== undefined) h.update(`${file}\0${s.size}\0${s.mtimeMs}\n`);
  }
  for (const rel of sourceFiles(srcDir)) {
    const s = statSync(join(srcDir, rel));
    h.update(`${rel}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return h.digest('hex').slice(0, 24);
}

/**
 * Writes `srcDir`'s files into `outDir/src`, `.ts` stripped to `.js`, the rest copied, with the
 * project's package.json at `outDir` (the module type, and what the code reads of it).
 */
export function stripTree(srcDir, outDir, packageJson) {
  const strip = nodeModule.stripTypeScriptTypes;
  for (const rel of sourceFiles(srcDir)) {
    const from = join(srcDir, rel);
    const to = join(outDir, 'src', rel.endsWith('.ts') ? `${rel.slice(0, -3)}.js` : rel);
    mkdirSync(dirname(to), { recursive: true });
    if (rel.endsWith('.ts')) writeFileSync(to, strip(readFileSync(from, 'utf8'), { mode: 'strip' }));
    else copyFileSync(from, to);
  }
  copyFileSync(packageJson, join(outDir, 'package.json'));
}

/** The stripped copy of `root`'s src/ (made if missing); undefined when it cannot be had. */
export function strippedCopy(root = ROOT, cache = CACHE) {
  const src = join(root, 'src');
  const dir = join(cache, sourceKey(src));
  if (existsSync(join(dir, 'package.json'))) return dir;
  // In a child: the stripping compiler's memory stays out of this process.
  execFileSync(process.execPath, ['--no-warnings', fileURLToPath(import.meta.url), root, cache], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return existsSync(join(dir, 'package.json')) ? dir : undefined;
}

/** Makes the copy for `root` under `cache` (the child's work): a temporary directory, renamed. */
function makeCopy(root, cache) {
  const src = join(root, 'src');
  const dir = join(cache, sourceKey(src));
  if (existsSync(dir)) return;
  mkdirSync(cache, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  stripTree(src, tmp, join(root, 'package.json'));
  try {
    renameSync(tmp, dir);
  } catch {
    // Another process put its copy there first: the same files.
    rmSync(tmp, { recursive: true, force: true });
  }
  pruneOld(cache, dir);
}

/** A day: older copies (of sources since edited) go when a new one is made. */
const KEEP_MS = 24 * 60 * 60 * 1000;

/**
 * Removes copies (and leftovers of interrupted ones) older than KEEP_MS, but never `current`: a
 * proxy still running from an old copy has loaded what it needs long before.
 */
function pruneOld(cache, current) {
  const now = Date.now();
  for (const name of readdirSync(cache)) {
    const p = join(cache, name);
    if (p === current) continue;
    try {
      if (now - statSync(p).mtimeMs > KEEP_MS) rmSync(p, { recursive: true, force: true });
    } catch {
      // Removed meanwhile by another process.
    }
  }
}

/** Sends imports of `.ts` files inside `dir` to the `.js` beside them. */
function redirectTs(dir) {
  const prefix = pathToFileURL(dir + sep).href;
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      const parent = context.parentURL;
      if (parent?.startsWith(prefix) && specifier.endsWith('.ts') && !specifier.includes(':'))
        return nextResolve(`${specifier.slice(0, -3)}.js`, context);
      return nextResolve(specifier, context);
    },
  });
}

/**
 * The URL to import for `src/<entry>` (a `.ts` path): inside the stripped copy when one can be had
 * and the runtime allows the redirect, else the source itself.
 */
export function strippedEntry(entry, root = ROOT, cache = CACHE) {
  const source = pathToFileURL(join(root, 'src', entry)).href;
  if (typeof nodeModule.registerHooks !== 'function' || typeof nodeModule.stripTypeScriptTypes !== 'function')
    return source;
  try {
    const dir = strippedCopy(root, cache);
    if (dir === undefined) return source;
    redirectTs(dir);
    return pathToFileURL(join(dir, 'src', `${entry.slice(0, -3)}.js`)).href;
  } catch (err) {
    // Still correct from the sources, with the stripper's memory: say why, in one line.
    const lines = String(err?.stderr || err?.message || err).split('\n');
    const why = lines.find((l) => /Error\b/.test(l))?.trim() ?? lines[0];
    process.stderr.write(`weft: running from src/ (no stripped copy in ${cache}: ${why})\n`);
    return source;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) makeCopy(process.argv[2], process.argv[3]);

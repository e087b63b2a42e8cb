// `weft proxy` runs from a copy of src/ with its types stripped ahead of time (bin/stripped-sources.js):
// the copy is current for the sources as they are, imports keep working, and the proxy process
// never loads Node's type stripper.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { sourceKey, stripTree } from '../bin/stripped-sources.js';

const ROOT = resolve(import.meta.dirname, '..');
const MODULE = join(ROOT, 'bin', 'stripped-sources.js');

/** Runs `code` (an ES module) in a fresh Node, where the resolve hook cannot touch this process. */
function inChild(code: string): unknown {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

function tempProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-stripped-'));
  mkdirSync(join(dir, 'src', 'lib'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', version: '9.9.9' }));
  writeFileSync(
    join(dir, 'src', 'main.ts'),
    "import { readFileSync } from 'node:fs';\nimport { base } from './lib/base.ts';\n" +
      'interface Pkg { version: string }\n' +
      "const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Pkg;\n" +
      "const data = JSON.parse(readFileSync(new URL('./lib/data.json', import.meta.url), 'utf8')) as { n: number };\n" +
      'export const value: number = base + data.n;\nexport const version: string = pkg.version;\n',
  );
  writeFileSync(join(dir, 'src', 'lib', 'base.ts'), 'export const base: number = 40;\n');
  writeFileSync(join(dir, 'src', 'lib', 'data.json'), '{"n": 2}');
  writeFileSync(join(dir, 'src', 'lib', 'base.test.ts'), 'not even TypeScript');
  return dir;
}

test('the copy runs as the sources do: .ts imports, files read beside a module, the package.json', () => {
  const dir = tempProject();
  try {
    const cache = join(dir, 'node_modules', '.cache', 'weft-js');
    const r = inChild(`
      const { strippedEntry } = await import(${JSON.stringify(MODULE)});
      const url = strippedEntry('main.ts', ${JSON.stringify(dir)}, ${JSON.stringify(cache)});
      const m = await import(url);
      const amaro = process.moduleLoadList.some((x) => x.includes('amaro'));
      console.log(JSON.stringify({ url, value: m.value, version: m.version, amaro }));
    `) as { url: string; value: number; version: string; amaro: boolean };
    assert.match(r.url, /node_modules\/\.cache\/weft-js\/[0-9a-f]{24}\/src\/main\.js$/);
    assert.equal(r.value, 42);
    assert.equal(r.version, '9.9.9');
    assert.equal(r.amaro, false, 'no type stripping in the process that runs the copy');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an edited source gets a new copy; an untouched tree keeps its key; tests are not part of it', () => {
  const dir = tempProject();
  try {
    const src = join(dir, 'src');
    const before = sourceKey(src);
    assert.equal(sourceKey(src), before);
    writeFileSync(join(src, 'lib', 'base.test.ts'), 'changed, and still not part of the copy');
    assert.equal(sourceKey(src), before);
    writeFileSync(join(src, 'lib', 'base.ts'), 'export const base: number = 41;\n');
    const edited = sourceKey(src);
    assert.notEqual(edited, before);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', version: '9.9.10' }));
    assert.notEqual(sourceKey(src), edited, 'the package.json copied beside the sources counts too');
    const out = join(dir, 'out');
    stripTree(src, out, join(dir, 'package.json'));
    assert.equal(readFileSync(join(out, 'src', 'lib', 'base.js'), 'utf8').includes(': number'), false);
    assert.equal(readFileSync(join(out, 'src', 'lib', 'data.json'), 'utf8'), '{"n": 2}');
    assert.throws(() => readFileSync(join(out, 'src', 'lib', 'base.test.js')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("weft's own proxy entry loads from the copy, without the type stripper", () => {
  const r = inChild(`
    const { strippedEntry } = await import(${JSON.stringify(MODULE)});
    const url = strippedEntry('cli/proxy-main.ts');
    const m = await import(url);
    const amaro = process.moduleLoadList.some((x) => x.includes('amaro'));
    console.log(JSON.stringify({ url, mainProxy: typeof m.mainProxy, amaro }));
  `) as { url: string; mainProxy: string; amaro: boolean };
  assert.match(r.url, /node_modules\/\.cache\/weft-js\/[0-9a-f]{24}\/src\/cli\/proxy-main\.js$/);
  assert.equal(r.mainProxy, 'function');
  assert.equal(r.amaro, false);
});

test('where no copy can be written, the entry is the source itself, and it says why', () => {
  const dir = tempProject();
  try {
    // A file where the cache directory would go: nothing can be made under it.
    const blocked = join(dir, 'blocked');
    writeFileSync(blocked, '');
    const r = inChild(`
      const { strippedEntry } = await import(${JSON.stringify(MODULE)});
      const url = strippedEntry('main.ts', ${JSON.stringify(dir)}, ${JSON.stringify(join(blocked, 'cache'))});
      const m = await import(url);
      console.log(JSON.stringify({ url, value: m.value }));
    `) as { url: string; value: number };
    assert.match(r.url, /\/src\/main\.ts$/);
    assert.equal(r.value, 42);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

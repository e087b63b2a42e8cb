// Fails when the import graph of src/ has a cycle. ARCHITECTURE §4 forbids cycles; a tiny script
// keeps the check dependency-free and fast (it reads relative `import … from './x.ts'` lines only,
// which is the only form the project uses between its own modules).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', 'src');
const importRe = /^\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/gm;

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const files = listFiles(root);
const graph = new Map<string, string[]>();
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const deps: string[] = [];
  for (const m of text.matchAll(importRe)) deps.push(resolve(dirname(file), m[1]!));
  graph.set(file, deps);
}

const state = new Map<string, 'visiting' | 'done'>();
const cycles: string[][] = [];
function visit(node: string, stack: string[]): void {
  const s = state.get(node);
  if (s === 'done') return;
  if (s === 'visiting') {
    cycles.push([...stack.slice(stack.indexOf(node)), node]);
    return;
  }
  state.set(node, 'visiting');
  stack.push(node);
  for (const dep of graph.get(node) ?? []) visit(dep, stack);
  stack.pop();
  state.set(node, 'done');
}
for (const file of files) visit(file, []);

if (cycles.length > 0) {
  for (const c of cycles) console.error('import cycle: ' + c.map((f) => relative(root, f)).join(' -> '));
  process.exit(1);
}
console.log(`no import cycles in ${files.length} modules`);

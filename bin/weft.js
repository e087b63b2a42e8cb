#!/usr/bin/env node
// The weft command. Sources are TypeScript run directly by Node's type stripping (Node 24, pinned
// as a dev dependency), so this entry only hands over to the CLI module — except for `weft proxy`,
// which runs from a copy of the sources with their types stripped ahead of time: a mesh runs one
// proxy per pod, and Node's type stripping keeps ~25 MB in every process that uses it
// (stripped-sources.js says how the copy is made and kept current).
const argv = process.argv.slice(2);
if (argv[0] === 'proxy') {
  // One proxy runs per pod: load only its command (see src/cli/proxy-main.ts).
  const { strippedEntry } = await import('./stripped-sources.js');
  const { mainProxy } = await import(strippedEntry('cli/proxy-main.ts'));
  process.exitCode = await mainProxy(argv);
} else {
  const { main } = await import('../src/cli/index.ts');
  process.exitCode = await main(argv);
}

#!/usr/bin/env node
// The weft command. Sources are TypeScript run directly by Node's type stripping (Node 24, pinned
// as a dev dependency), so this entry only hands over to the CLI module — after turning on Node's
// compile cache, which keeps the stripped sources so that a process finding them there never loads
// the stripper (~25 MB per proxy; compile-cache.js says more).
import { enableCompileCache, flushCompileCache } from './compile-cache.js';

enableCompileCache();
const argv = process.argv.slice(2);
if (argv[0] === 'proxy') {
  // One proxy runs per pod: load only its command (see src/cli/proxy-main.ts).
  const { mainProxy } = await import('../src/cli/proxy-main.ts');
  // Its modules are loaded: cached now, for the proxies that start next.
  flushCompileCache();
  process.exitCode = await mainProxy(argv);
} else {
  const { main } = await import('../src/cli/index.ts');
  process.exitCode = await main(argv);
}

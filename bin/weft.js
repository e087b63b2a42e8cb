#!/usr/bin/env node
// The weft command. Sources are TypeScript run directly by Node's type stripping (Node 24, pinned
// as a dev dependency), so this entry only hands over to the CLI module.
import { main } from '../src/cli/index.ts';

process.exitCode = await main(process.argv.slice(2));

// The entry `weft proxy` takes: only the proxy command's modules are loaded. A mesh runs one proxy
// per pod, and loading every subcommand's code (pilot, validation schemas, local mode…) cost each
// of them ~16 MB of memory for nothing.
import { type CliContext, processContext } from './context.ts';
import { createProgram, runProgram } from './program.ts';
import { registerProxy } from './proxy.ts';

export async function mainProxy(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  const program = createProgram(ctx);
  registerProxy(program, ctx);
  return runProgram(program, argv, ctx);
}

// The weft command line. Each subcommand lives in its own file and only parses flags, calls a
// module and prints; this file wires them into one commander program and maps failures to exit
// codes the way istioctl/kubectl users expect: 0 ok, 1 the command ran and found a problem, 2 usage.
import type { Command } from 'commander';
import { registerApply } from './apply.ts';
import { type CliContext, processContext } from './context.ts';
import { registerDelete } from './delete.ts';
import { registerDown } from './down.ts';
import { registerExec } from './exec.ts';
import { registerGet } from './get.ts';
import { registerLoad } from './load.ts';
import { registerLogs } from './logs.ts';
import { registerPilot } from './pilot.ts';
import { createProgram, runProgram } from './program.ts';
import { registerProxy } from './proxy.ts';
import { registerProxyConfig } from './proxy-config.ts';
import { registerProxyStatus } from './proxy-status.ts';
import { registerStatus } from './status.ts';
import { registerUp } from './up.ts';
import { registerValidate } from './validate.ts';
import { registerVersion } from './version.ts';

export { type CliContext, EXIT_FAILED, EXIT_OK, EXIT_USAGE, processContext } from './context.ts';

/** Builds the program with every subcommand. */
export function buildProgram(ctx: CliContext): Command {
  const program = createProgram(ctx);
  registerVersion(program, ctx);
  registerProxy(program, ctx);
  registerValidate(program, ctx);
  registerPilot(program, ctx);
  registerApply(program, ctx);
  registerDelete(program, ctx);
  registerGet(program, ctx);
  registerProxyStatus(program, ctx);
  registerProxyConfig(program, ctx);
  registerLoad(program, ctx);
  registerUp(program, ctx);
  registerDown(program, ctx);
  registerStatus(program, ctx);
  registerLogs(program, ctx);
  registerExec(program, ctx);
  return program;
}

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  return runProgram(buildProgram(ctx), argv, ctx);
}

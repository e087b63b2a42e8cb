// The weft command line. Each subcommand lives in its own file and only parses flags, calls a
// module and prints; this file wires them into one commander program and maps failures to exit
// codes the way istioctl/kubectl users expect: 0 ok, 1 the command ran and found a problem, 2 usage.
import { Command, CommanderError } from 'commander';
import { registerApply } from './apply.ts';
import { type CliContext, EXIT_FAILED, EXIT_OK, EXIT_USAGE, processContext } from './context.ts';
import { registerDelete } from './delete.ts';
import { registerDown } from './down.ts';
import { registerExec } from './exec.ts';
import { registerGet } from './get.ts';
import { registerLoad } from './load.ts';
import { registerLogs } from './logs.ts';
import { registerPilot } from './pilot.ts';
import { registerProxy } from './proxy.ts';
import { registerProxyConfig } from './proxy-config.ts';
import { registerProxyStatus } from './proxy-status.ts';
import { registerStatus } from './status.ts';
import { registerUp } from './up.ts';
import { registerValidate } from './validate.ts';
import { registerVersion } from './version.ts';

export { type CliContext, EXIT_FAILED, EXIT_OK, EXIT_USAGE, processContext } from './context.ts';

/** Builds the program. Subcommands set `process.exitCode`-free results through `ctx.exit`. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('weft')
    .description(
      'Weft: a service mesh that runs Istio configuration.\n\n' +
        'Start the local mesh with Bookinfo, validate Istio YAML, run and inspect proxies.\n' +
        'Run `weft <command> --help` for the flags and examples of each command.',
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout(s),
      writeErr: (s) => ctx.stderr(s),
    });
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
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are "errors" to commander but successes to the user.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT_OK;
      if (err.code === 'commander.help') return EXIT_OK;
      return EXIT_USAGE;
    }
    ctx.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILED;
  }
}

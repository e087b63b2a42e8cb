// The weft program shell shared by the full CLI and by single-command entries: the commander
// root with its description and output wiring, and the mapping of failures to exit codes the way
// istioctl/kubectl users expect (0 ok, 1 the command ran and found a problem, 2 usage).
import { Command, CommanderError } from 'commander';
import { type CliContext, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './context.ts';

export function createProgram(ctx: CliContext): Command {
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
  return program;
}

/** Parses `argv` with `program` and resolves to the exit code. */
export async function runProgram(program: Command, argv: string[], ctx: CliContext): Promise<number> {
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

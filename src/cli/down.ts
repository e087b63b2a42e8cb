// `weft down`: stop the local mesh started by `weft up` (supervisor, pods, sidecars, gateway) by
// pid, SIGKILL after a grace period. The config in the state dir is kept for the next `weft up`.
import type { Command } from 'commander';
import { type CliContext, EXIT_FAILED } from './context.ts';

const EXAMPLES = `
Examples:
  weft down
  weft down --state-dir /tmp/mesh --grace 2
`;

export function registerDown(program: Command, ctx: CliContext): void {
  program
    .command('down')
    .description('Stop the local mesh started by `weft up` (its config is kept)')
    .option('--state-dir <dir>', 'the state dir `weft up` used', '.weft')
    .option('--grace <seconds>', 'how long processes get to exit before SIGKILL', '10')
    .addHelpText('after', EXAMPLES)
    .action(async (opts: { stateDir: string; grace: string }) => {
      const rt = await import('../runtime/index.ts');
      const before = rt.readState(opts.stateDir);
      if (!before || (before.phase === 'stopped' && !rt.statePids(before).some(rt.isAlive))) {
        ctx.stdout(`No mesh is running from ${opts.stateDir}; start one with \`weft up -f <manifests>\`.\n`);
        return;
      }
      ctx.stdout(`Stopping the mesh in ${opts.stateDir}…\n`);
      const result = await rt.stopMesh(opts.stateDir, Number(opts.grace) * 1000);
      if (!result) {
        ctx.stderr(`error: cannot read ${rt.statePaths(opts.stateDir).state}\n`);
        ctx.exitCode = EXIT_FAILED;
        return;
      }
      ctx.stdout(
        `Stopped ${result.stopped} process${result.stopped === 1 ? '' : 'es'}` +
          (result.killed > 0 ? ` (${result.killed} needed SIGKILL)` : '') +
          `. Config kept in ${rt.statePaths(opts.stateDir).config}; \`weft up -d\` starts it again.\n`,
      );
    });
}

// `weft status`: the local mesh's pods — ready containers, status, restarts, version, ports and
// pilot's sync state of each sidecar — read from the supervisor's state file. -o json|yaml for data.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { PodState, RuntimeState } from '../runtime/index.ts';
import { type CliContext, EXIT_FAILED, EXIT_USAGE } from './context.ts';

const EXAMPLES = `
Examples:
  weft status
  weft status -o json | jq '.pods[] | select(.ready | not) | .name'
`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('   ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function podStatus(p: PodState): string {
  const c = Object.values(p.containers);
  if (c.some((x) => x.status === 'backoff')) return 'CrashLoopBackOff';
  if (c.some((x) => x.status === 'stopped')) return 'Terminated';
  return p.ready ? 'Running' : 'Starting';
}

export function renderStatus(state: RuntimeState, alive: boolean): string {
  const header =
    `Mesh in ${state.stateDir}: ${alive ? state.phase : 'not running'}` +
    (alive ? ` (supervisor pid ${state.supervisorPid}, pilot ${state.pilot.url})` : '') +
    '\n';
  const rows = [['POD', 'READY', 'STATUS', 'RESTARTS', 'VERSION', 'PORTS (container→app/inbound)', 'SYNC']];
  for (const p of state.pods) {
    const containers = Object.values(p.containers);
    rows.push([
      p.name,
      `${containers.filter((c) => c.ready).length}/${containers.length}`,
      alive ? podStatus(p) : 'Stopped',
      String(containers.reduce((n, c) => n + c.restarts, 0)),
      p.version || '-',
      p.ports.map((x) => `${x.container}→${x.app}/${x.inbound}`).join(',') || '-',
      p.sync,
    ]);
  }
  const g = state.gateway;
  if (g) {
    rows.push([
      g.name,
      `${g.proxy.ready ? 1 : 0}/1`,
      alive ? (g.ready ? 'Running' : 'Starting') : 'Stopped',
      String(g.proxy.restarts),
      '-',
      `80→${g.ports.http},443→${g.ports.https},31400→${g.ports.tcp}`,
      g.sync,
    ]);
  }
  return header + table(rows);
}

export function registerStatus(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('Show the local mesh: pods, readiness, versions, ports and sync state')
    .option('--state-dir <dir>', 'the state dir `weft up` used', '.weft')
    .option('-o, --output <format>', 'json or yaml (default: a table)')
    .addHelpText('after', EXAMPLES)
    .action(async (opts: { stateDir: string; output?: string }) => {
      if (opts.output !== undefined && opts.output !== 'json' && opts.output !== 'yaml') {
        ctx.stderr(
          `error: unsupported output format ${JSON.stringify(opts.output)}; use -o json or -o yaml\n`,
        );
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      const rt = await import('../runtime/index.ts');
      const state = rt.readState(opts.stateDir);
      if (!state) {
        ctx.stderr(`error: no mesh was started from ${opts.stateDir}; run \`weft up -d -f <manifests>\`\n`);
        ctx.exitCode = EXIT_FAILED;
        return;
      }
      const alive = state.phase !== 'stopped' && rt.isAlive(state.supervisorPid);
      const data = { ...state, running: alive };
      if (opts.output === 'json') ctx.stdout(JSON.stringify(data, null, 2) + '\n');
      else if (opts.output === 'yaml') ctx.stdout(stringify(data));
      else ctx.stdout(renderStatus(state, alive));
    });
}

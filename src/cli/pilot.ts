// `weft pilot`: run the control plane in the foreground. Also the helpers every verb that talks to
// a running pilot shares (address flag, unreachable-pilot message, tables, -o yaml|json).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { type CliContext, EXIT_FAILED, EXIT_USAGE } from './context.ts';

/** The pilot door, loaded when a command runs so that `weft --help` stays fast. */
export type PilotModule = typeof import('../pilot/index.ts');
export const loadPilot = (): Promise<PilotModule> => import('../pilot/index.ts');

export const PILOT_OPTION_HELP = 'pilot HTTP API address (default: $WEFT_PILOT or http://127.0.0.1:15014)';

const EXAMPLES = `
Examples:
  # Run the control plane with config kept in ./mesh-config (created if missing)
  weft pilot --config-dir ./mesh-config

  # Then, from another terminal
  weft apply -f samples/bookinfo/networking/virtual-service-all-v1.yaml
  weft proxy-status

  # Other ports (0 picks free ones; the chosen ports are printed)
  weft pilot --config-dir ./mesh-config --xds-port 0 --http-port 0
`;

function portArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid port ${JSON.stringify(value)}`);
  return n;
}

/** Runs a verb, turning an absent pilot into the one clear message and exit 1. */
export async function withPilot(ctx: CliContext, run: (pilot: PilotModule) => Promise<void>): Promise<void> {
  const pilot = await loadPilot();
  try {
    await run(pilot);
  } catch (err) {
    if (!(err instanceof pilot.PilotUnreachableError)) throw err;
    ctx.stderr(`error: ${err.message}\n`);
    ctx.exitCode = EXIT_FAILED;
  }
}

/** Columns padded like kubectl's: left-aligned, three spaces apart. */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 3)))
      .join('')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** Checks -o; returns false (after telling the user) when the format is not one of `allowed`. */
export function checkOutput(ctx: CliContext, output: string | undefined, allowed: string[]): boolean {
  if (output === undefined || allowed.includes(output)) return true;
  ctx.stderr(
    `error: unsupported output format ${JSON.stringify(output)}; use ${allowed.map((a) => `-o ${a}`).join(', ')} or omit it\n`,
  );
  ctx.exitCode = EXIT_USAGE;
  return false;
}

export function writeStructured(ctx: CliContext, data: unknown, format: 'json' | 'yaml'): void {
  ctx.stdout(format === 'json' ? JSON.stringify(data, null, 2) + '\n' : stringify(data));
}

export function defaultConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['WEFT_CONFIG_DIR'] ?? join(homedir(), '.weft', 'config');
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function registerPilot(program: Command, ctx: CliContext): void {
  program
    .command('pilot')
    .description('Run the control plane (config store, xDS server, HTTP API) in the foreground')
    .option(
      '--config-dir <dir>',
      'folder of YAML config, watched and written by apply (default: $WEFT_CONFIG_DIR or ~/.weft/config)',
    )
    .option('--xds-port <port>', 'ADS gRPC port', portArg, 15010)
    .option('--http-port <port>', 'HTTP API, debug and metrics port', portArg, 15014)
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .addHelpText('after', EXAMPLES)
    .action(async (opts: { configDir?: string; xdsPort: number; httpPort: number; host: string }) => {
      const { startPilot } = await loadPilot();
      const stamp = (): string => new Date().toISOString();
      const pilot = await startPilot({
        configDir: opts.configDir ?? defaultConfigDir(),
        xdsPort: opts.xdsPort,
        httpPort: opts.httpPort,
        host: opts.host,
        version: packageVersion(),
        log: (line) => ctx.stdout(`${stamp()} ${line}\n`),
      });
      const signal = await untilSignal();
      ctx.stdout(`${stamp()} pilot: ${signal} received, stopping\n`);
      await pilot.close();
    });
}

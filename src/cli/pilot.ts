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

export const PILOT_OPTION_HELP =
  'pilot HTTP API address (default: $WEFT_PILOT, else the pilot of the mesh running from the state dir, else http://127.0.0.1:15014)';
export const STATE_DIR_OPTION_HELP =
  'state dir of the `weft up` mesh whose pilot to use (default: $WEFT_STATE_DIR or .weft)';

/** Where a verb's pilot address came from, for the message when nothing answers there. */
export interface PilotLocation {
  url: string;
  source: 'flag' | 'env' | 'state' | 'default';
  /** The state dir looked at (for 'state' and 'default'). */
  stateDir: string;
}

/** The state dir verbs default to: $WEFT_STATE_DIR, else ./.weft. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['WEFT_STATE_DIR'] || '.weft';
}

/**
 * The pilot a verb talks to: --pilot, else $WEFT_PILOT, else the pilot the mesh running from the
 * state dir recorded (it may not have got Istio's 15014 if that was taken), else 15014.
 */
export async function locatePilot(
  opts: { pilot?: string; stateDir?: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<PilotLocation> {
  const { normalizePilotUrl, DEFAULT_PILOT_URL } = await loadPilot();
  const stateDir = opts.stateDir ?? defaultStateDir(env);
  if (opts.pilot) return { url: normalizePilotUrl(opts.pilot), source: 'flag', stateDir };
  const fromEnv = env['WEFT_PILOT'];
  if (fromEnv) return { url: normalizePilotUrl(fromEnv), source: 'env', stateDir };
  const { runningState } = await import('../runtime/state.ts');
  const url = runningState(stateDir)?.pilot.url;
  if (url) return { url, source: 'state', stateDir };
  return { url: DEFAULT_PILOT_URL, source: 'default', stateDir };
}

/** What to tell someone whose pilot does not answer: where the address came from, what to do. */
export function unreachableMessage(at: PilotLocation, code: string): string {
  const head = `error: no weft pilot answers at ${at.url} (${code})`;
  const start = 'start a mesh with `weft up -d -f <manifests>` (or only the control plane with `weft pilot`)';
  switch (at.source) {
    case 'flag':
      return `${head}, the address --pilot gave.\nCheck the address, or ${start}.\n`;
    case 'env':
      return `${head}, the address $WEFT_PILOT gives.
Check it (or unset it to use the local mesh), or ${start}.\n`;
    case 'state':
      return (
        `${head}, the pilot of the mesh running from ${at.stateDir}.
` +
        `It may still be starting or have stopped: \`weft status --state-dir ${at.stateDir}\` shows it.
`
      );
    default:
      return (
        `${head}: no mesh is running from ${at.stateDir}, and neither --pilot nor $WEFT_PILOT is set.\n` +
        `To fix: ${start};\nfor a mesh started with --state-dir <dir>, pass --state-dir <dir> or set ` +
        '$WEFT_STATE_DIR; for a pilot elsewhere, pass --pilot <url> or set $WEFT_PILOT.\n'
      );
  }
}

const EXAMPLES = `
Examples:
  # Run the control plane with config kept in ./mesh-config (created if missing)
  weft pilot --config-dir ./mesh-config

  # Then, from another terminal
  weft apply -f samples/bookinfo/virtual-service-all-v1.yaml
  weft proxy-status

  # Other ports (0 picks free ones; the chosen ports are printed)
  weft pilot --config-dir ./mesh-config --xds-port 0 --http-port 0
`;

function portArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid port ${JSON.stringify(value)}`);
  return n;
}

/** Runs a verb against the pilot it finds, turning an absent one into one clear message and exit 1. */
export async function withPilot(
  ctx: CliContext,
  opts: { pilot?: string; stateDir?: string },
  run: (pilot: PilotModule, client: InstanceType<PilotModule['PilotClient']>) => Promise<void>,
): Promise<void> {
  const pilot = await loadPilot();
  const at = await locatePilot(opts);
  try {
    await run(pilot, new pilot.PilotClient(at.url));
  } catch (err) {
    if (!(err instanceof pilot.PilotUnreachableError)) throw err;
    ctx.stderr(unreachableMessage(at, err.code));
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

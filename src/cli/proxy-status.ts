// `weft proxy-status`: istioctl's view of the mesh's sync state — per connected proxy, whether the
// last CDS/LDS/EDS/RDS push was acknowledged (SYNCED), is still awaited or was rejected (STALE), or
// never happened (NOT SENT) — and, for a rejected push, the proxy's reason.
import type { Command } from 'commander';
import type { ProxyStatus, TypeStatus } from '../pilot/index.ts';
import { type CliContext, EXIT_FAILED } from './context.ts';
import {
  checkOutput,
  PILOT_OPTION_HELP,
  renderTable,
  STATE_DIR_OPTION_HELP,
  withPilot,
  writeStructured,
} from './pilot.ts';

const EXAMPLES = `
Examples:
  # Every proxy connected to the local pilot
  weft proxy-status

  # One proxy (pod name, or name.namespace), machine-readable
  weft proxy-status reviews-v1-0.default -o json
`;

/** ProxyStatus as it arrives over JSON (dates are strings). */
type WireStatus = Omit<ProxyStatus, 'connectedAt'> & { connectedAt: string };

/** A type's NACK, if the proxy rejected the version it was sent last. */
function currentNack(t: TypeStatus): TypeStatus['lastNack'] {
  return t.lastNack && t.lastNack.nonce === t.nonceSent ? t.lastNack : undefined;
}

function cell(types: TypeStatus[], name: string): string {
  const t = types.find((x) => x.type === name);
  if (!t) return 'NOT SENT';
  if (t.generateError) return 'ERROR';
  return currentNack(t) ? `${t.status} (NACK)` : t.status;
}

export function statusTable(proxies: WireStatus[], pilotName: string, pilotVersion: string): string {
  const rows = proxies.map((p) => {
    const md = p.node.metadata as Record<string, unknown>;
    const cluster = typeof md['CLUSTER_ID'] === 'string' ? md['CLUSTER_ID'] : 'Kubernetes';
    const version =
      typeof md['ISTIO_VERSION'] === 'string'
        ? md['ISTIO_VERSION']
        : typeof md['WEFT_VERSION'] === 'string'
          ? md['WEFT_VERSION']
          : pilotVersion;
    return [
      `${p.node.name}.${p.node.namespace}`,
      cluster,
      ...['CDS', 'LDS', 'EDS', 'RDS'].map((t) => cell(p.types, t)),
      pilotName,
      version,
    ];
  });
  return renderTable(['NAME', 'CLUSTER', 'CDS', 'LDS', 'EDS', 'RDS', 'ISTIOD', 'VERSION'], rows);
}

/** One block per rejected push: which proxy, which type, which version and the proxy's reason. */
export function nackLines(proxies: WireStatus[]): string {
  let out = '';
  for (const p of proxies) {
    for (const t of p.types) {
      const nack = currentNack(t);
      if (nack) {
        const reason = nack.message.split('\n').join('\n    ');
        out += `NACK ${p.node.name}.${p.node.namespace} ${t.type} version ${nack.versionRejected} (still running ${nack.versionKept || 'nothing'}):\n    ${reason}\n`;
      }
      if (t.generateError) out += `ERROR ${p.node.name}.${p.node.namespace} ${t.type}: ${t.generateError}\n`;
    }
  }
  return out;
}

export function registerProxyStatus(program: Command, ctx: CliContext): void {
  program
    .command('proxy-status')
    .alias('ps')
    .description('Show whether each proxy has the configuration the control plane last sent it')
    .argument('[proxy]', 'one proxy: pod name or name.namespace')
    .option('-o, --output <format>', 'json or yaml (default: a table)')
    .option('--pilot <url>', PILOT_OPTION_HELP)
    .option('--state-dir <dir>', STATE_DIR_OPTION_HELP)
    .addHelpText('after', EXAMPLES)
    .action(
      async (proxy: string | undefined, opts: { output?: string; pilot?: string; stateDir?: string }) => {
        if (!checkOutput(ctx, opts.output, ['json', 'yaml'])) return;
        await withPilot(ctx, opts, async (pilot, client) => {
          const reply = await client.get('/debug/syncz');
          if (reply.status !== 200) {
            ctx.stderr(`error: ${pilot.replyError(reply)}\n`);
            ctx.exitCode = EXIT_FAILED;
            return;
          }
          const answer = reply.body as { pilot: { name: string; version: string }; proxies: WireStatus[] };
          let proxies = answer.proxies;
          if (proxy) {
            proxies = proxies.filter(
              (p) =>
                p.node.name === proxy ||
                `${p.node.name}.${p.node.namespace}` === proxy ||
                p.node.id === proxy,
            );
            if (proxies.length === 0) {
              ctx.stderr(
                `error: no connected proxy named "${proxy}"; run \`weft proxy-status\` to list them\n`,
              );
              ctx.exitCode = EXIT_FAILED;
              return;
            }
          }
          if (opts.output === 'json' || opts.output === 'yaml') {
            writeStructured(ctx, { pilot: answer.pilot, proxies }, opts.output);
            return;
          }
          if (proxies.length === 0) {
            ctx.stderr(`No proxies are connected to ${client.base}.\n`);
            return;
          }
          ctx.stdout(statusTable(proxies, answer.pilot.name, answer.pilot.version));
          const nacks = nackLines(proxies);
          if (nacks) ctx.stdout(`\n${nacks}`);
        });
      },
    );
}

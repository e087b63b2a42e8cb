// `weft get <kind> [name]`: list or show configuration held by the running control plane, with
// kubectl's columns for the Istio kinds (VirtualService: GATEWAYS, HOSTS; DestinationRule: HOST …).
import type { Command } from 'commander';
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
  # VirtualServices in the default namespace, then one of them as YAML
  weft get virtualservices
  weft get vs reviews -o yaml

  # DestinationRules in every namespace
  weft get dr -A

  # Just the names, for scripts
  weft get gateways -o name
`;

type Obj = Record<string, unknown>;
interface Column {
  header: string;
  value(spec: Obj, object: Obj): string;
}

const list = (v: unknown): string => (Array.isArray(v) ? JSON.stringify(v.map(String)) : '');
const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** The extra columns kubectl prints for each kind (from the CRDs' printer columns). */
const COLUMNS: Record<string, Column[]> = {
  VirtualService: [
    { header: 'GATEWAYS', value: (s) => list(s['gateways']) },
    { header: 'HOSTS', value: (s) => list(s['hosts']) },
  ],
  DestinationRule: [{ header: 'HOST', value: (s) => str(s['host']) }],
  ServiceEntry: [
    { header: 'HOSTS', value: (s) => list(s['hosts']) },
    { header: 'LOCATION', value: (s) => str(s['location']) },
    { header: 'RESOLUTION', value: (s) => str(s['resolution']) },
  ],
  WorkloadEntry: [{ header: 'ADDRESS', value: (s) => str(s['address']) }],
  PeerAuthentication: [{ header: 'MODE', value: (s) => str((s['mtls'] as Obj | undefined)?.['mode']) }],
  AuthorizationPolicy: [{ header: 'ACTION', value: (s) => str(s['action']) || 'ALLOW' }],
  Service: [
    { header: 'TYPE', value: (s) => str(s['type']) || 'ClusterIP' },
    { header: 'CLUSTER-IP', value: (s) => str(s['clusterIP']) || '<none>' },
    {
      header: 'PORT(S)',
      value: (s) =>
        ((s['ports'] as Obj[] | undefined) ?? [])
          .map((p) => `${p['port']}/${p['protocol'] ?? 'TCP'}`)
          .join(','),
    },
  ],
};

/** kubectl's short age: 42s, 7m, 5h, 3d. */
export function age(created: unknown, now = Date.now()): string {
  if (typeof created !== 'string') return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(created)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function registerGet(program: Command, ctx: CliContext): void {
  program
    .command('get')
    .description('List or show configuration held by the running control plane')
    .argument('<kind>', 'resource kind, e.g. virtualservices, vs, destinationrule, dr, gw, se, svc')
    .argument('[name]', 'one resource by name')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-o, --output <format>', 'yaml, json or name (default: a table)')
    .option('--pilot <url>', PILOT_OPTION_HELP)
    .option('--state-dir <dir>', STATE_DIR_OPTION_HELP)
    .addHelpText('after', EXAMPLES)
    .action(
      async (
        kind: string,
        name: string | undefined,
        opts: {
          namespace: string;
          allNamespaces?: boolean;
          output?: string;
          pilot?: string;
          stateDir?: string;
        },
      ) => {
        if (!checkOutput(ctx, opts.output, ['yaml', 'json', 'name'])) return;
        await withPilot(ctx, opts, async (pilot, client) => {
          const q = new URLSearchParams({ kind });
          if (!opts.allNamespaces) q.set('namespace', opts.namespace);
          if (name) q.set('name', name);
          const reply = await client.get(`/apis/v1/resources?${q}`);
          if (reply.status !== 200) {
            const prefix = reply.status === 404 ? 'Error from server (NotFound): ' : 'error: ';
            ctx.stderr(`${prefix}${pilot.replyError(reply)}\n`);
            if (reply.status === 400) ctx.stderr(`known kinds include ${pilot.KIND_EXAMPLES}\n`);
            ctx.exitCode = EXIT_FAILED;
            return;
          }
          const answer = reply.body as { kind: string; group: string; items: { object: Obj }[] };
          const objects = answer.items.map((i) => i.object);
          if (opts.output === 'json' || opts.output === 'yaml') {
            const data = name ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
            writeStructured(ctx, data, opts.output);
            return;
          }
          const qualified = pilot.qualifiedKind(answer);
          if (opts.output === 'name') {
            for (const o of objects) ctx.stdout(`${qualified}/${(o['metadata'] as Obj)['name']}\n`);
            return;
          }
          if (objects.length === 0) {
            ctx.stderr(
              opts.allNamespaces
                ? 'No resources found\n'
                : `No resources found in ${opts.namespace} namespace.\n`,
            );
            return;
          }
          ctx.stdout(tableOf(answer.kind, objects, opts.allNamespaces === true));
        });
      },
    );
}

export function tableOf(kind: string, objects: Obj[], withNamespace: boolean, now = Date.now()): string {
  const columns = COLUMNS[kind] ?? [];
  const headers = [...(withNamespace ? ['NAMESPACE'] : []), 'NAME', ...columns.map((c) => c.header), 'AGE'];
  const rows = objects.map((o) => {
    const meta = (o['metadata'] ?? {}) as Obj;
    const spec = (o['spec'] ?? {}) as Obj;
    return [
      ...(withNamespace ? [str(meta['namespace'])] : []),
      str(meta['name']),
      ...columns.map((c) => c.value(spec, o)),
      age(meta['creationTimestamp'], now),
    ];
  });
  return renderTable(headers, rows);
}

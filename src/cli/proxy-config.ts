// `weft proxy-config cluster|listener|route|endpoint <proxy>`: one proxy's configuration, as
// istioctl's short tables or whole as JSON/YAML. Like istioctl, it shows what the proxy itself
// runs (its admin /config_dump and /clusters, found through the local mesh's state), so a NACKed
// update or an ejected host shows as the proxy sees it; `--from pilot`, or a proxy the local mesh
// does not run, shows the configuration the control plane generated instead. The rule columns
// (DESTINATION RULE, VIRTUAL SERVICE) come from the resources' own istio.config metadata.
import type { Command } from 'commander';
import type { ConfigDump } from '../pilot/index.ts';
import { type CliContext, EXIT_FAILED, EXIT_USAGE } from './context.ts';
import {
  checkOutput,
  defaultStateDir,
  loadPilot,
  locatePilot,
  PILOT_OPTION_HELP,
  renderTable,
  STATE_DIR_OPTION_HELP,
  unreachableMessage,
  writeStructured,
} from './pilot.ts';
import {
  arr,
  type EndpointHealth,
  fetchProxyView,
  type LocalProxy,
  localProxies,
  type Obj,
  obj,
  type ProxyView,
} from './proxy-view.ts';

type Section = 'cluster' | 'listener' | 'route' | 'endpoint';

const FIELD: Record<Section, keyof ConfigDump['config']> = {
  cluster: 'clusters',
  listener: 'listeners',
  route: 'routes',
  endpoint: 'endpoints',
};

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/**
 * The Istio rule of `kind` ('virtual-service', 'destination-rule') that made a route or cluster,
 * as `name.namespace`, from its `istio.config` metadata
 * (`/apis/networking.istio.io/<version>/namespaces/<ns>/<kind>/<name>`) — where istioctl looks.
 */
export function madeBy(resource: Obj, kind: string): string | undefined {
  const config = str(obj(obj(obj(resource['metadata'])['filter_metadata'])['istio'])['config']);
  const m = /^\/apis\/networking\.istio\.io\/[^/]+\/namespaces\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(config);
  return m && m[2] === kind ? `${m[3]}.${m[1]}` : undefined;
}

export function clusterRows(dump: ConfigDump): string[][] {
  return arr(dump.config.clusters).map((c) => {
    const name = str(c['name']);
    const parts = name.split('|');
    if (parts.length !== 4) return [name, '-', '-', '-', str(c['type']) || 'EDS', '-'];
    const [direction, port, subset, host] = parts as [string, string, string, string];
    return [
      host || '-',
      port || '-',
      subset || '-',
      direction,
      str(c['type']) || 'EDS',
      madeBy(c, 'destination-rule') ?? '-',
    ];
  });
}

function chainMatch(m: Obj): string {
  const parts: string[] = [];
  const sni = arr(m['server_names']);
  if (sni.length) parts.push(`SNI: ${sni.join(',')}`);
  const ranges = arr(m['prefix_ranges']).map(
    (r) => `${str(r['address_prefix'])}/${str(r['prefix_len'] ?? 32)}`,
  );
  if (ranges.length) parts.push(`Addr: ${ranges.join(',')}`);
  if (m['destination_port'] !== undefined) parts.push(`Port: ${str(m['destination_port'])}`);
  if (m['transport_protocol']) parts.push(`Trans: ${str(m['transport_protocol'])}`);
  const alpn = arr(m['application_protocols']);
  if (alpn.length) parts.push(`App: ${alpn.join(',')}`);
  return parts.length ? parts.join('; ') : 'ALL';
}

function chainDestination(chain: Obj): string {
  for (const f of arr(chain['filters'])) {
    const cfg = obj(f['typed_config']);
    const type = str(cfg['@type']);
    if (type.endsWith('HttpConnectionManager')) {
      const rds = obj(cfg['rds']);
      if (rds['route_config_name']) return `Route: ${str(rds['route_config_name'])}`;
      const inline = obj(cfg['route_config']);
      return `Inline Route: ${str(inline['name']) || '(unnamed)'}`;
    }
    if (type.endsWith('TcpProxy')) {
      if (cfg['cluster']) return `Cluster: ${str(cfg['cluster'])}`;
      const weighted = arr(obj(cfg['weighted_clusters'])['clusters']).map((c) => str(c['name']));
      return `Clusters: ${weighted.join(',')}`;
    }
  }
  return 'Non-HTTP/Non-TCP';
}

export function listenerRows(dump: ConfigDump): string[][] {
  const rows: string[][] = [];
  for (const l of arr(dump.config.listeners)) {
    const sock = obj(obj(l['address'])['socket_address']);
    const address = str(sock['address']) || str(l['name']);
    const port = str(sock['port_value']);
    const chains = [...arr(l['filter_chains'])];
    if (l['default_filter_chain']) chains.push(obj(l['default_filter_chain']));
    if (chains.length === 0) rows.push([address, port, 'ALL', '-']);
    for (const chain of chains)
      rows.push([address, port, chainMatch(obj(chain['filter_chain_match'])), chainDestination(chain)]);
  }
  return rows;
}

function routeMatch(match: Obj): string {
  let path = '/*';
  if (match['prefix'] !== undefined) path = `${str(match['prefix'])}*`;
  else if (match['path'] !== undefined) path = str(match['path']);
  else if (match['safe_regex']) path = `regex ${str(obj(match['safe_regex'])['regex'])}`;
  else if (match['path_separated_prefix'] !== undefined) path = `${str(match['path_separated_prefix'])}/*`;
  const headers = arr(match['headers']).map((h) => str(h['name']));
  return headers.length ? `${path} [headers: ${headers.join(',')}]` : path;
}

export function routeRows(dump: ConfigDump): string[][] {
  const rows: string[][] = [];
  for (const rc of arr(dump.config.routes)) {
    for (const vh of arr(rc['virtual_hosts'])) {
      const domains = arr(vh['domains']).map(String);
      const shown = domains.length > 1 ? `${domains[0]} +${domains.length - 1} more` : (domains[0] ?? '');
      for (const r of arr(vh['routes'])) {
        rows.push([
          str(rc['name']),
          str(vh['name']),
          shown,
          routeMatch(obj(r['match'])),
          madeBy(r, 'virtual-service') ?? ('404' === str(obj(r['direct_response'])['status']) ? '404' : '-'),
        ]);
      }
    }
  }
  return rows;
}

/** istioctl's endpoint table from the proxy's /clusters: every host with its health and ejection. */
export function endpointHealthRows(hosts: readonly EndpointHealth[]): string[][] {
  return hosts.map((h) => [h.address, h.health, h.outlierFailed ? 'FAILED' : 'OK', h.cluster]);
}

/** The endpoint table from generated config alone: assignments, no health the proxy observed. */
export function endpointRows(dump: ConfigDump): string[][] {
  const rows: string[][] = [];
  const assignments: Obj[] = [
    ...arr(dump.config.endpoints),
    ...arr(dump.config.clusters)
      .filter((c) => c['load_assignment'])
      .map((c): Obj => ({ cluster_name: c['name'], ...obj(c['load_assignment']) })),
  ];
  for (const a of assignments) {
    for (const group of arr(a['endpoints'])) {
      for (const lb of arr(group['lb_endpoints'])) {
        const sock = obj(obj(obj(lb['endpoint'])['address'])['socket_address']);
        rows.push([
          `${str(sock['address'])}:${str(sock['port_value'])}`,
          str(lb['health_status']) || 'HEALTHY',
          'OK',
          str(a['cluster_name']),
        ]);
      }
    }
  }
  return rows;
}

const TABLES: Record<Section, { headers: string[]; rows: (d: ConfigDump) => string[][] }> = {
  cluster: {
    headers: ['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE'],
    rows: clusterRows,
  },
  listener: { headers: ['ADDRESSES', 'PORT', 'MATCH', 'DESTINATION'], rows: listenerRows },
  route: { headers: ['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE'], rows: routeRows },
  endpoint: { headers: ['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER'], rows: endpointRows },
};

const EXAMPLES = `
Examples:
  # A proxy's clusters, listeners, routes and endpoints (read from its admin port)
  weft proxy-config cluster productpage-v1          # a prefix naming one pod is enough
  weft proxy-config listener productpage-v1-1fff627a6-0.default
  weft proxy-config route productpage-v1
  weft proxy-config endpoint productpage-v1

  # The whole Envoy resources (as the proxy reports them in its /config_dump)
  weft proxy-config route productpage-v1 -o json

  # What pilot generated for the proxy, rather than what the proxy runs
  weft proxy-config cluster productpage-v1 --from pilot

  # Every table at once, and the proxy's bootstrap
  weft proxy-config all productpage-v1
  weft proxy-config bootstrap productpage-v1 -o yaml
`;

/** The proxy's own view, when the local mesh runs it; a note on stderr when it does not answer. */
async function proxyView(
  ctx: CliContext,
  locals: readonly LocalProxy[],
  nodeId: string,
): Promise<ProxyView | undefined> {
  const admin = locals.find((p) => p.node.id === nodeId)?.admin;
  if (admin === undefined) return undefined;
  try {
    return await fetchProxyView(admin);
  } catch (err) {
    ctx.stderr(
      `warning: the proxy's admin at 127.0.0.1:${admin} did not answer (${(err as Error).message}); ` +
        'showing the configuration pilot generated for it\n',
    );
    return undefined;
  }
}

export function registerProxyConfig(program: Command, ctx: CliContext): void {
  const parent = program
    .command('proxy-config')
    .alias('pc')
    .description("Show a proxy's clusters, listeners, routes and endpoints, as the proxy runs them")
    .addHelpText('after', EXAMPLES);
  const sections: { name: Section | 'all' | 'bootstrap'; description: string }[] = [
    ...(Object.keys(TABLES) as Section[]).map((name) => ({
      name,
      description: `The ${FIELD[name]} of a proxy`,
    })),
    { name: 'all', description: 'Every table of a proxy (-o json|yaml: its whole config dump)' },
    {
      name: 'bootstrap',
      description: "A proxy's bootstrap, as its admin /config_dump shows it (local mesh only)",
    },
  ];
  for (const { name: section, description } of sections) {
    const cmd = parent.command(section);
    if (section !== 'all' && section !== 'bootstrap') cmd.alias(`${section}s`);
    cmd
      .description(description)
      .argument('<proxy>', 'proxy name: pod name or name.namespace (see `weft proxy-status`)')
      .option(
        '-o, --output <format>',
        section === 'bootstrap' ? 'json or yaml (default: json)' : 'json or yaml (default: a table)',
      )
      .option(
        '--from <source>',
        'proxy: what the proxy runs, from its admin port (default when the local mesh runs it); pilot: what the control plane generated',
      )
      .option('--pilot <url>', PILOT_OPTION_HELP)
      .option('--state-dir <dir>', STATE_DIR_OPTION_HELP)
      .action(async (proxy: string, opts: ProxyConfigOptions) => {
        if (!checkOutput(ctx, opts.output, ['json', 'yaml'])) return;
        if (opts.from !== undefined && opts.from !== 'proxy' && opts.from !== 'pilot') {
          ctx.stderr(`error: --from must be proxy or pilot, got ${JSON.stringify(opts.from)}\n`);
          ctx.exitCode = EXIT_USAGE;
          return;
        }
        // The proxies the local mesh runs, read once: the fallback when pilot cannot name the
        // proxy, and where its admin port is.
        const rt = await import('../runtime/index.ts');
        const locals =
          opts.from === 'pilot'
            ? []
            : localProxies(rt.runningState(opts.stateDir ?? defaultStateDir()), rt.nodeId);
        const generated = await generatedConfig(ctx, proxy, opts, locals);
        if (generated === undefined) return;
        const view = await proxyView(ctx, locals, generated.nodeId);
        show(ctx, section, opts.output, generated, view);
      });
  }
}

/**
 * Pilot's generated config for the proxy. When pilot does not answer, or does not know the proxy
 * (a sidecar cut off from it, the moment one debugs it), a proxy the local mesh runs is still
 * shown from its own admin port, as istioctl reads the pod, with a warning: the rule columns come
 * from the routes' and clusters' own `istio.config` metadata either way. Undefined (after an
 * error) otherwise.
 */
async function generatedConfig(
  ctx: CliContext,
  proxy: string,
  opts: ProxyConfigOptions,
  locals: LocalProxy[],
): Promise<ConfigDump | undefined> {
  const pilot = await loadPilot();
  const at = await locatePilot(opts);
  const local = pilot.findProxy(locals, proxy);
  const bare = (nodeId: string, why: string): ConfigDump => {
    ctx.stderr(`warning: ${why}; showing the proxy's own config\n`);
    return {
      connectionId: '',
      nodeId,
      meshVersion: 0,
      configVersion: 0,
      config: { listeners: [], clusters: [], routes: [], endpoints: [] },
    };
  };
  try {
    const reply = await new pilot.PilotClient(at.url).get(
      `/debug/config_dump?proxyID=${encodeURIComponent(proxy)}`,
    );
    if (reply.status === 200) return reply.body as ConfigDump;
    if (local) return bare(local.node.id, `pilot at ${at.url} does not know ${proxy}`);
    ctx.stderr(`error: ${pilot.replyError(reply)}\n`);
  } catch (err) {
    if (!(err instanceof pilot.PilotUnreachableError)) throw err;
    if (local) return bare(local.node.id, `no pilot answers at ${at.url}`);
    ctx.stderr(unreachableMessage(at, err.code));
  }
  ctx.exitCode = EXIT_FAILED;
  return undefined;
}

interface ProxyConfigOptions {
  output?: string;
  from?: string;
  pilot?: string;
  stateDir?: string;
}

/** Writes one section (a table, or the resources as JSON/YAML) from the proxy's view or pilot's. */
function show(
  ctx: CliContext,
  section: Section | 'all' | 'bootstrap',
  output: string | undefined,
  generated: ConfigDump,
  view: ProxyView | undefined,
): void {
  const structured = output === 'json' || output === 'yaml' ? output : undefined;
  if (section === 'bootstrap') {
    if (!view) {
      ctx.stderr(
        'error: the bootstrap is only in the proxy itself, and its admin port is not known here ' +
          '(a proxy the local mesh runs, without --from pilot)\n',
      );
      ctx.exitCode = EXIT_FAILED;
      return;
    }
    writeStructured(ctx, view.bootstrap, structured ?? 'json');
    return;
  }
  const dump: ConfigDump = view
    ? { ...generated, config: { ...generated.config, ...view.resources } }
    : generated;
  if (section === 'all') {
    if (structured) {
      writeStructured(ctx, view ? view.dump : dump.config, structured);
      return;
    }
    const tables = (Object.keys(TABLES) as Section[]).map((s) => tableOf(s, dump, view));
    ctx.stdout(tables.join('\n'));
    return;
  }
  if (structured) {
    writeStructured(ctx, dump.config[FIELD[section]], structured);
    return;
  }
  ctx.stdout(tableOf(section, dump, view));
}

function tableOf(section: Section, dump: ConfigDump, view: ProxyView | undefined): string {
  const table = TABLES[section];
  const rows = section === 'endpoint' && view ? endpointHealthRows(view.endpoints) : table.rows(dump);
  return renderTable(table.headers, rows);
}

// `weft up -f <manifests>`: run the local mesh (pilot, the pods with their sidecars, the ingress
// gateway) on this machine. Foreground by default (Ctrl-C stops it all); -d runs it in the
// background and returns once every pod and sidecar is ready.
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { RuntimeState } from '../runtime/index.ts';
import { type CliContext, EXIT_FAILED, EXIT_USAGE } from './context.ts';

const EXAMPLES = `
Examples:
  # Bookinfo in the background, then open http://127.0.0.1:8080/productpage
  weft up -d -f samples/bookinfo/bookinfo.yaml -f samples/bookinfo/bookinfo-gateway.yaml

  # In the foreground (Ctrl-C stops everything), gateway on other ports
  weft up -f samples/httpbin/ --http-port 9080 --https-port 9443 --tcp-port 9400

  # Start again what ran before: the config (and its Deployments) is kept in the state dir
  weft down && weft up -d

A container image of Istio's samples runs Weft's built-in twin; any other image needs the pod
annotation weft.dev/command: "<command line>" (PORT, HTTP_PROXY and <SVC>_SERVICE_HOST/PORT are set).
`;

interface UpOptions {
  filename: string[];
  detach?: boolean;
  stateDir: string;
  httpPort: string;
  httpsPort: string;
  tcpPort: string;
  timeout: string;
}

function port(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new Error(`${flag} must be a port 1-65535, got ${value}`);
  return n;
}

/**
 * Commands shown after start: each on its own line, what it does on the next, so nothing needs
 * aligning however long a state dir or URL is. --state-dir appears when it is not the default,
 * and URLs use the gateway ports this mesh really got.
 */
export function nextSteps(state: RuntimeState, stateDirFlag: string): string {
  // `npx weft`, as the README says: after `npm install` the command is not on PATH.
  const weft = 'npx weft';
  const sd = stateDirFlag === '.weft' ? '' : ` --state-dir ${stateDirFlag}`;
  const g = state.gateway?.ports;
  const steps: [string, string][] = [];
  if (g && state.pods.some((p) => p.app === 'productpage'))
    steps.push([`open http://127.0.0.1:${g.http}/productpage`, 'Bookinfo through the ingress gateway']);
  else if (g) steps.push([`curl http://127.0.0.1:${g.http}/`, 'the ingress gateway (HTTP)']);
  steps.push([`${weft} status${sd}`, 'pods, versions, ports, sync state']);
  if (state.pods.some((p) => p.app === 'reviews'))
    steps.push([
      `${weft} apply${sd} -f samples/bookinfo/destination-rule-all.yaml -f samples/bookinfo/virtual-service-all-v1.yaml`,
      'route every request to reviews v1 (no stars)',
    ]);
  else steps.push([`${weft} apply${sd} -f <istio-config.yaml>`, 'add routing rules']);
  steps.push([`${weft} logs${sd} <pod> -c proxy`, "a sidecar's log"]);
  steps.push([`${weft} down${sd}`, 'stop everything (config is kept)']);
  const lines = ['', 'Try next:'];
  for (const [command, what] of steps) lines.push(`  ${command}`, `      ${what}`);
  return lines.join('\n') + '\n';
}

function summary(state: RuntimeState, seconds: number): string {
  const g = state.gateway?.ports;
  return (
    `Mesh ready in ${seconds.toFixed(1)} s: ${state.pods.length} pods with sidecars, pilot at ${state.pilot.url}` +
    (g ? `, ingress gateway on 127.0.0.1:${g.http} (http) ${g.https} (https) ${g.tcp} (tcp)` : '') +
    '\n'
  );
}

export function registerUp(program: Command, ctx: CliContext): void {
  program
    .command('up')
    .description("Run the local mesh: pilot, the manifests' pods with sidecars, and the ingress gateway")
    .option(
      '-f, --filename <path>',
      'Kubernetes/Istio YAML file or directory (repeatable)',
      (v: string, p: string[]) => [...p, v],
      [] as string[],
    )
    .option('-d, --detach', 'run in the background; return once everything is ready')
    .option('--state-dir <dir>', 'where state, logs and config are kept', '.weft')
    .option('--http-port <port>', 'ingress gateway port for Gateway ports 80/8080', '8080')
    .option('--https-port <port>', 'ingress gateway port for Gateway ports 443/8443', '8443')
    .option('--tcp-port <port>', 'ingress gateway port for Gateway port 31400', '31400')
    .option('--timeout <seconds>', 'with -d: how long to wait for readiness', '90')
    .addHelpText('after', EXAMPLES)
    .action(async (opts: UpOptions) => {
      const rt = await import('../runtime/index.ts');
      const gatewayPorts = {
        http: port(opts.httpPort, '--http-port'),
        https: port(opts.httpsPort, '--https-port'),
        tcp: port(opts.tcpPort, '--tcp-port'),
      };
      const running = rt.runningState(opts.stateDir);
      if (running) {
        ctx.stderr(
          `error: a mesh is already running from ${running.stateDir} (supervisor pid ${running.supervisorPid}); ` +
            'add config with `weft apply -f`, or stop it with `weft down` first\n',
        );
        ctx.exitCode = EXIT_FAILED;
        return;
      }
      const configDir = rt.statePaths(opts.stateDir).config;
      const hasConfig =
        existsSync(configDir) && readdirSync(configDir).some((f) => /\.(ya?ml|json)$/.test(f));
      if (opts.filename.length === 0 && !hasConfig) {
        ctx.stderr(
          'error: nothing to run: pass manifests with -f, e.g.\n' +
            '  weft up -d -f samples/bookinfo/bookinfo.yaml -f samples/bookinfo/bookinfo-gateway.yaml\n',
        );
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      const checked = await rt.checkManifests(opts.filename);
      // In the foreground the supervisor reports them as it plans the pods.
      if (opts.detach) for (const w of checked.warnings) ctx.stderr(`warning: ${w}\n`);
      const errors = [...checked.errors, ...(await rt.checkGatewayPorts(gatewayPorts))];
      if (errors.length > 0) {
        for (const e of errors) ctx.stderr(`${e}\n`);
        ctx.stderr(`error: ${errors.length} problem${errors.length === 1 ? '' : 's'}; nothing was started\n`);
        ctx.exitCode = EXIT_FAILED;
        return;
      }
      const started = performance.now();
      if (opts.detach) {
        const args = [
          ...opts.filename.flatMap((f) => ['-f', resolve(f)]),
          ...['--state-dir', resolve(opts.stateDir)],
          ...['--http-port', String(gatewayPorts.http), '--https-port', String(gatewayPorts.https)],
          ...['--tcp-port', String(gatewayPorts.tcp)],
        ];
        const pid = rt.spawnDetached(opts.stateDir, args);
        ctx.stdout(
          `Starting the mesh in the background (supervisor pid ${pid}, state in ${opts.stateDir})\n`,
        );
        const seen = new Set<string>();
        const result = await rt.waitReady(opts.stateDir, pid, Number(opts.timeout) * 1000, (state) => {
          const all = [...(state.gateway ? [state.gateway] : []), ...state.pods];
          for (const p of all) {
            if (!p.ready || seen.has(p.name)) continue;
            seen.add(p.name);
            const what = 'app' in p ? `${p.app}${p.version ? ` ${p.version}` : ''}` : 'ingress gateway';
            ctx.stdout(`  ready  ${p.name.padEnd(36)} ${what}   (${seen.size}/${all.length})\n`);
          }
        });
        if (!result.ok) {
          ctx.stderr(`error: the mesh is not ready after ${opts.timeout} s:\n`);
          for (const p of result.problems) ctx.stderr(`  ${p}\n`);
          if (result.state && rt.isAlive(pid))
            ctx.stderr(
              'It keeps starting in the background: `weft status` to watch, `weft down` to stop it.\n',
            );
          ctx.exitCode = EXIT_FAILED;
          return;
        }
        ctx.stdout(summary(result.state!, (performance.now() - started) / 1000));
        ctx.stdout(nextSteps(result.state!, opts.stateDir));
        return;
      }
      await runForeground(ctx, rt, opts, gatewayPorts, checked.manifests, started);
    });
}

async function runForeground(
  ctx: CliContext,
  rt: typeof import('../runtime/index.ts'),
  opts: UpOptions,
  gatewayPorts: { http: number; https: number; tcp: number },
  manifests: { file: string; text: string }[],
  started: number,
): Promise<void> {
  const detached = process.env['WEFT_UP_DETACHED'] === '1';
  const stamp = () => (detached ? `${new Date().toISOString()} ` : '');
  let stop: () => void = () => {};
  const stopped = new Promise<void>((r) => {
    stop = r;
  });
  const supervisor = new rt.Supervisor({
    stateDir: opts.stateDir,
    gatewayPorts,
    onEvent: (line) => {
      ctx.stdout(`${stamp()}${line}\n`);
      if (line.startsWith('mesh ready') && !detached) {
        ctx.stdout(summary(supervisor.state, (performance.now() - started) / 1000));
        ctx.stdout(nextSteps(supervisor.state, opts.stateDir) + '\nPress Ctrl-C to stop the mesh.\n');
      }
    },
  });
  const onSignal = () => stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await supervisor.startPilot();
    for (const m of manifests) await supervisor.apply(m.text, m.file);
    const plan = supervisor.plan();
    if (plan.errors.length > 0) throw new Error(plan.errors.join('\n'));
    if (plan.pods.length === 0)
      ctx.stdout(`${stamp()}note: no Deployments in the config; only the gateway runs\n`);
    await supervisor.run();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    ctx.stderr(`${stamp()}error: ${message}\nnothing is left running\n`);
    await supervisor.fail(message);
    ctx.exitCode = EXIT_FAILED;
    return;
  } finally {
    if (ctx.exitCode !== 0) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
  await stopped;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  ctx.stdout(`${stamp()}stopping the mesh…\n`);
  await supervisor.stop();
}

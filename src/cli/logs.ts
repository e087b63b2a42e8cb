// `weft logs <pod> [-c app|proxy] [-f]`: a local pod's container log from the state dir, like
// `kubectl logs`. `pilot` and `supervisor` name the control plane's and the supervisor's logs.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { type CliContext, EXIT_FAILED, EXIT_USAGE } from './context.ts';

const EXAMPLES = `
Examples:
  weft logs productpage                    # the app of the first productpage pod
  weft logs reviews-v2 -c proxy -f         # follow a sidecar's log (Ctrl-C to stop)
  weft logs istio-ingressgateway           # the ingress gateway
  weft logs pilot                          # the control plane
`;

function readFrom(file: string, offset: number): { text: string; end: number } {
  const size = statSync(file).size;
  if (size <= offset) return { text: '', end: size };
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    return { text: buf.toString('utf8'), end: size };
  } finally {
    closeSync(fd);
  }
}

export function registerLogs(program: Command, ctx: CliContext): void {
  program
    .command('logs')
    .description("Print the log of a local pod's app or sidecar (or of pilot / the supervisor)")
    .argument('<pod>', 'pod name, deployment name or unique prefix; or pilot, supervisor')
    .option(
      '-c, --container <name>',
      'app (the first container), proxy (the sidecar) or another container by name (default: app)',
    )
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('--tail <lines>', 'only the last N lines')
    .option('--state-dir <dir>', 'the state dir `weft up` used', '.weft')
    .addHelpText('after', EXAMPLES)
    .action(
      async (
        query: string,
        opts: { container?: string; follow?: boolean; tail?: string; stateDir: string },
      ) => {
        const rt = await import('../runtime/index.ts');
        const paths = rt.statePaths(opts.stateDir);
        const state = rt.readState(opts.stateDir);
        let file: string | undefined;
        if (query === 'pilot') file = join(paths.logs, 'pilot.log');
        else if (query === 'supervisor') file = paths.supervisorLog;
        else if (query === rt.GATEWAY_NAME || query.startsWith('istio-ingress'))
          file = rt.logFile(opts.stateDir, rt.GATEWAY_NAME, 'proxy');
        else if (state) {
          const pod = rt.findPod(state, query);
          if (pod) {
            const container = rt.findContainer(pod, opts.container ?? 'app');
            if (!container) {
              const names = Object.entries(pod.containers).map(([k, c]) => (c.name ? `${k} (${c.name})` : k));
              ctx.stderr(
                `error: pod ${pod.name} has no container ${JSON.stringify(opts.container)}; -c takes one of ${names.join(', ')}\n`,
              );
              ctx.exitCode = EXIT_USAGE;
              return;
            }
            file = rt.logFile(opts.stateDir, pod.name, container);
          }
        }
        if (!file) {
          const names = state?.pods.map((p) => p.name).join(', ') || 'none';
          ctx.stderr(`error: no pod matches ${JSON.stringify(query)} in ${opts.stateDir}; pods: ${names}\n`);
          ctx.exitCode = EXIT_FAILED;
          return;
        }
        if (!existsSync(file)) {
          ctx.stderr(`error: no log yet at ${file}; is the mesh running? (weft status)\n`);
          ctx.exitCode = EXIT_FAILED;
          return;
        }
        let { text, end } = readFrom(file, 0);
        if (opts.tail !== undefined) {
          const lines = text.split('\n');
          if (lines[lines.length - 1] === '') lines.pop();
          text = lines.slice(-Number(opts.tail)).join('\n') + (lines.length > 0 ? '\n' : '');
        }
        ctx.stdout(text);
        if (!opts.follow) return;
        await new Promise<void>((resolve) => {
          const timer = setInterval(() => {
            const next = readFrom(file, end);
            end = next.end;
            if (next.text) ctx.stdout(next.text);
          }, 200);
          const done = () => {
            clearInterval(timer);
            resolve();
          };
          process.once('SIGINT', done);
          process.once('SIGTERM', done);
        });
      },
    );
}

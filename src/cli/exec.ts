// `weft exec <pod> -- <command>`: run a command in a local pod's network view — its environment
// (HTTP_PROXY to its sidecar, <SVC>_SERVICE_HOST/PORT) — as `kubectl exec` does in Istio's tasks.
// `curl` is Weft's built-in curl (the tutorials' flags), so no curl install is needed; `fortio
// load|curl …` and `weft load …` run `weft load` in the pod, so its calls go through the pod's
// sidecar as fortio's do from the fortio pod in Istio's circuit-breaking task.
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { type CliContext, EXIT_FAILED, EXIT_USAGE } from './context.ts';

const EXAMPLES = `
Examples:
  weft exec productpage -- curl -s http://reviews:9080/reviews/0
  weft exec curl -- curl -s -H "end-user: jason" http://reviews:9080/reviews/0
  weft exec curl -- curl -sS -X POST http://httpbin:8000/post
  weft exec fortio -- fortio load -c 2 -qps 0 -n 20 -loglevel Warning http://httpbin:8000/get
  weft exec fortio -- weft load -curl http://httpbin:8000/get
`;

/**
 * The argv that plays `command` in a pod: Weft's built-in curl for `curl`, `weft load` for
 * `fortio load|curl …` and `weft load …`, otherwise the command itself.
 */
export function execArgv(
  command: readonly string[],
  rt: { SAMPLE_MAIN: string; WEFT_BIN: string },
): string[] {
  const [cmd, ...args] = command;
  if (cmd === 'curl') return [process.execPath, rt.SAMPLE_MAIN, 'curl', ...args];
  if ((cmd === 'fortio' || cmd === 'weft') && args[0] === 'load')
    return [process.execPath, rt.WEFT_BIN, 'load', ...args.slice(1)];
  if (cmd === 'fortio' && args[0] === 'curl')
    return [process.execPath, rt.WEFT_BIN, 'load', '-curl', ...args.slice(1)];
  return [cmd!, ...args];
}

export function registerExec(program: Command, ctx: CliContext): void {
  program
    .command('exec')
    .description('Run a command (curl built in) from a local pod, through its sidecar')
    .argument('<pod>', 'pod name, deployment name or unique prefix')
    .argument('<command...>', 'after --: the command and its arguments')
    .option('--state-dir <dir>', 'the state dir `weft up` used', '.weft')
    .addHelpText('after', EXAMPLES)
    .action(async (query: string, command: string[], opts: { stateDir: string }) => {
      const rt = await import('../runtime/index.ts');
      const state = rt.runningState(opts.stateDir);
      if (!state) {
        ctx.stderr(
          `error: no mesh is running from ${opts.stateDir}; start one with \`weft up -d -f <manifests>\`\n`,
        );
        ctx.exitCode = EXIT_FAILED;
        return;
      }
      const pod = rt.findPod(state, query);
      if (!pod) {
        ctx.stderr(
          `error: no pod matches ${JSON.stringify(query)}; pods: ${state.pods.map((p) => p.name).join(', ') || 'none'}\n`,
        );
        ctx.exitCode = EXIT_FAILED;
        return;
      }
      if (command.length === 0) {
        ctx.stderr('error: no command: weft exec <pod> -- curl -s http://service:port/path\n');
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      const cmd = command[0];
      const argv = execArgv(command, rt);
      ctx.exitCode = await new Promise<number>((resolve) => {
        const child = spawn(argv[0]!, argv.slice(1), {
          env: { ...process.env, ...pod.env },
          stdio: ['inherit', 'pipe', 'pipe'],
        });
        child.stdout.on('data', (b: Buffer) => ctx.stdout(b.toString('utf8')));
        child.stderr.on('data', (b: Buffer) => ctx.stderr(b.toString('utf8')));
        child.once('error', (err) => {
          ctx.stderr(`error: cannot run ${cmd}: ${err.message}\n`);
          resolve(EXIT_FAILED);
        });
        child.once('close', (code) => resolve(code ?? EXIT_FAILED));
      });
    });
}

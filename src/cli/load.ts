// `weft load [flags] <url>`: fortio's load command, flags spelled as fortio spells them
// (`-qps 0 -c 2 -n 20`), so the commands in Istio's tasks run unchanged. Go's flag package takes
// one dash for long names, which commander refuses to declare; so the subcommand takes its
// arguments raw, turns `-qps` into `--qps`, and parses them with its own inner program.
// Exit 0 when the run completed (whatever the status codes), 1 on bad flags or no connection.

import { writeFile } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import {
  curlOnce,
  formatErrors,
  formatResult,
  formatStart,
  type LoadOptions,
  LoadSetupError,
  parseDuration,
  resultJson,
  runLoad,
} from '../load/index.ts';
import { type CliContext, EXIT_FAILED, EXIT_OK } from './context.ts';

const VERSION = '0.1.0';

const EXAMPLES = `
Flags take one dash or two (-qps 0 or --qps 0), as fortio's do.

Examples:
  # Istio's circuit-breaking task: 2 connections, as fast as possible, 20 calls
  weft load -c 2 -qps 0 -n 20 -loglevel Warning http://httpbin:8000/get

  # 50 calls per second for 10 s over 4 connections, latency from the intended send time
  weft load -qps 50 -c 4 -t 10s http://127.0.0.1:8080/

  # Through a Weft sidecar's outbound port (local mode), with a header, JSON to a file
  weft load -proxy http://127.0.0.1:15080 -H 'end-user: jason' -json out.json http://reviews:9080/reviews/0

  # One request, print the response headers and body (fortio curl)
  weft load -curl http://httpbin:8000/get

A URL whose host is a name (not an IP or localhost) goes through $HTTP_PROXY when it is set.
`;

/** fortio's multi-letter flags, which arrive with a single dash. */
const LONG_FLAGS = new Set([
  'qps',
  'payload',
  'timeout',
  'json',
  'curl',
  'proxy',
  'loglevel',
  'quiet',
  'help',
]);

/** `-qps` → `--qps`, `-json=x` → `--json=x`; everything else unchanged. */
export function normaliseArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    const m = /^-([a-z]+)(=.*)?$/.exec(a);
    out.push(m && LONG_FLAGS.has(m[1]!) ? `-${a}` : a);
  }
  return out;
}

/** The inner program's parsed options (commander names them after the long flags). */
interface Flags {
  qps: string;
  connections: string;
  calls?: string;
  duration: string;
  header: string[];
  method?: string;
  payload?: string;
  timeout: string;
  json?: string;
  curl?: boolean;
  proxy?: string;
  loglevel?: string;
  quiet?: boolean;
}

function inner(ctx: CliContext): Command {
  return new Command('weft load')
    .usage('[flags] <url>')
    .description(
      "Load-test an HTTP URL and print latency percentiles and status codes, as fortio's load does",
    )
    .argument('<url>', 'http:// URL to load (http:// is assumed when missing)')
    .option('--qps <n>', 'calls per second over all connections, 0 = as fast as possible', '8')
    .option('-c, --connections <n>', 'number of connections (each has its share of the rate)', '4')
    .option('-n, --calls <n>', 'exact number of calls (overrides -t)')
    .option('-t, --duration <d>', 'how long to run, e.g. 10s, 1m; 0 = until Ctrl-C', '5s')
    .option(
      '-H, --header <k: v>',
      'extra request header (repeatable)',
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .option('-X, --method <method>', 'HTTP method (default GET, or POST with -payload)')
    .option('--payload <text>', 'request body')
    .option('--timeout <d>', 'per-call timeout', '3s')
    .option('--json <file>', 'also write the results as JSON to a file, or - for stdout')
    .option('--curl', 'make one request and print the response headers and body')
    .option('--proxy <url>', 'send requests through this HTTP proxy (absolute-form targets)')
    .option('--loglevel <level>', 'accepted for fortio compatibility (Warning and above is the default)')
    .option('--quiet', 'do not print per-error log lines')
    .addHelpText('after', EXAMPLES)
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout(s), writeErr: (s) => ctx.stderr(s) });
}

export function registerLoad(program: Command, ctx: CliContext): void {
  program
    .command('load')
    .description('Load-test a URL (fortio load: -qps, -c, -n, -t, -H, -curl, -json)')
    .usage('[flags] <url>  (run `weft load --help` for the flags)')
    .argument('[flags-and-url...]')
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .action(async (args: string[]) => {
      const cmd = inner(ctx);
      try {
        cmd.parse(normaliseArgs(args), { from: 'user' });
      } catch (err) {
        // --help goes on to main(), which exits 0; commander already printed any parse error,
        // and fortio exits 1 on a bad command line, so weft load does too.
        if (!(err instanceof CommanderError) || err.code.startsWith('commander.help')) throw err;
        ctx.exitCode = EXIT_FAILED;
        return;
      }
      const url = cmd.args[0]!;
      const f = cmd.opts<Flags>();
      try {
        ctx.exitCode = await run(url, f, ctx);
      } catch (err) {
        if (!(err instanceof LoadSetupError)) throw err;
        ctx.stderr(`weft load: ${err.message}\n`);
        ctx.exitCode = EXIT_FAILED;
      }
    });
}

function toOptions(url: string, f: Flags): LoadOptions {
  const num = (flag: string, v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new LoadSetupError(`${flag}: not a number: ${v}`);
    return n;
  };
  const dur = (flag: string, v: string) => {
    const ms = parseDuration(v);
    if (ms === undefined) throw new LoadSetupError(`${flag}: not a duration (like 10s, 500ms): ${v}`);
    return ms;
  };
  return {
    url,
    qps: num('-qps', f.qps),
    connections: num('-c', f.connections),
    calls: f.calls === undefined ? undefined : num('-n', f.calls),
    durationMs: dur('-t', f.duration),
    headers: f.header,
    method: f.method,
    payload: f.payload,
    timeoutMs: dur('-timeout', f.timeout),
    proxy: f.proxy,
    env: process.env,
    userAgent: `weft-load/${VERSION}`,
  };
}

async function run(url: string, f: Flags, ctx: CliContext): Promise<number> {
  const opts = toOptions(url, f);
  if (f.curl) {
    const r = await curlOnce(opts);
    ctx.stdout(`${r.head}\r\n\r\n`);
    ctx.stdout(r.body.toString('utf8'));
    return EXIT_OK;
  }
  // With -json - the JSON owns stdout, so the human report moves to stderr.
  const say = f.json === '-' ? ctx.stderr : ctx.stdout;
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    say(formatStart(opts, VERSION, url));
    const result = await runLoad({ ...opts, signal: abort.signal });
    if (!f.quiet) ctx.stderr(formatErrors(result));
    say(formatResult(result));
    if (f.json !== undefined) {
      const text = JSON.stringify(resultJson(result, VERSION), null, 2) + '\n';
      if (f.json === '-') ctx.stdout(text);
      else {
        await writeFile(f.json, text);
        say(`Successfully wrote ${text.length} bytes of Json data to ${f.json}\n`);
      }
    }
    return EXIT_OK;
  } finally {
    process.off('SIGINT', onSignal);
  }
}

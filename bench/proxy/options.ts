// Command-line options of `npm run bench:proxy`, parsed into a plan; bad input is a message value.
import { parseArgs } from 'node:util';
import { DEFAULT_SLICE_MS } from '../lib/latency-load.ts';

export const TARGETS = [
  'direct',
  'weft',
  'nginx',
  'haproxy',
  'node-pipe',
  'node-floor',
  'http-floor',
] as const;
export type TargetName = (typeof TARGETS)[number];
/**
 * Measured unless --only says otherwise. node-pipe (a node:net forwarder that parses nothing),
 * node-floor (weft's own read/write layer forwarding bytes, no HTTP work) and http-floor (the
 * leanest JavaScript doing weft's HTTP edits on that layer) are asked for by name.
 */
const DEFAULT_TARGETS: readonly TargetName[] = ['direct', 'weft', 'nginx', 'haproxy'];

/**
 * Six rounds of 5 s rather than three of 10 s: the same time, but this project's VMs change speed
 * by a third within seconds (nginx alone: 15.6–22.3 µs of CPU per request in consecutive 3 s runs),
 * so more, shorter rounds interleaved across targets give medians that move less between runs.
 */
const DEFAULT_DURATION_S = 5;
const DEFAULT_RUNS = 6;

export interface BenchOptions {
  /** Seconds of each wrk run and of each fixed-rate latency run. */
  durationS: number;
  /** Repetitions of each measurement (interleaved across targets); medians are quoted. */
  runs: number;
  /** Seconds of wrk warm-up per target before the first measured round. */
  warmupS: number;
  targets: TargetName[];
  /** Fixed rate of the latency runs, requests per second. */
  rate: number;
  /** Each target's turn in a round's latency run, which loads the targets in turns (milliseconds). */
  sliceMs: number;
  /** wrk connections (one wrk thread: the load generator has one core). */
  wrkConnections: number;
  /** Keep-alive connections of the open-loop latency generator. */
  latencyConnections: number;
  /** Virtual hosts in the idle-RSS configuration of weft. */
  rssRoutes: number;
  help: boolean;
}

export const USAGE = `usage: npm run bench:proxy -- [options]
  --duration <s>     seconds per target and round, in 1 s wrk turns and in latency
                     turns (default 5)
  --runs <n>         repetitions, interleaved across targets; medians are quoted (default 6)
  --quick            smoke check: 2 s runs, 1 repetition, 1 s warm-up
  --only <list>      comma-separated targets among ${TARGETS.join(',')} (direct is always added;
                     default: all but node-pipe, node-floor and http-floor: the
                     parse-nothing forwarders on node:net streams and on weft's own
                     read/write layer, and the leanest HTTP/1.1 code on that layer)
  --rate <rps>       fixed rate of the latency runs (default 1000)
  --slice-ms <ms>    a round's latency run loads the targets in turns of this length,
                     alone on the proxy core each, --duration s each in all (default 250)
  -h, --help         this text`;

/** `--name`'s value as a positive number (an integer if asked), its fallback when absent, or a message. */
export function positive(
  name: string,
  raw: string | undefined,
  fallback: number,
  integer: boolean,
): number | string {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    return `--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(raw)}`;
  }
  return n;
}

/** `--only`'s comma-separated list, each one of `known`, or a message naming the unknown ones. */
export function onlyTargets<T extends string>(list: string, known: readonly T[]): T[] | string {
  const asked = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = asked.filter((s) => !(known as readonly string[]).includes(s));
  if (unknown.length > 0) return `--only: unknown target ${unknown.join(', ')} (known: ${known.join(', ')})`;
  return asked as T[];
}

export function parseBenchOptions(argv: string[]): BenchOptions | string {
  let parsed: ReturnType<typeof parseOnly>;
  try {
    parsed = parseOnly(argv);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  const v = parsed.values;
  const quick = v.quick === true;
  const durationS = positive('duration', v.duration, quick ? 2 : DEFAULT_DURATION_S, false);
  const runs = positive('runs', v.runs, quick ? 1 : DEFAULT_RUNS, true);
  const rate = positive('rate', v.rate, 1000, false);
  const sliceMs = positive('slice-ms', v['slice-ms'], DEFAULT_SLICE_MS, false);
  for (const r of [durationS, runs, rate, sliceMs]) if (typeof r === 'string') return r;
  let targets: TargetName[] = [...DEFAULT_TARGETS];
  if (v.only !== undefined) {
    const asked = onlyTargets(v.only, TARGETS);
    if (typeof asked === 'string') return asked;
    // direct is the baseline every added-latency number is computed against.
    targets = TARGETS.filter((t) => t === 'direct' || asked.includes(t));
  }
  return {
    durationS: durationS as number,
    runs: runs as number,
    warmupS: quick ? 1 : 3,
    targets,
    rate: rate as number,
    sliceMs: sliceMs as number,
    wrkConnections: 50,
    latencyConnections: 16,
    rssRoutes: 100,
    help: v.help === true,
  };
}

function parseOnly(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      runs: { type: 'string' },
      quick: { type: 'boolean' },
      only: { type: 'string' },
      rate: { type: 'string' },
      'slice-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}

/** Options of `npm run bench:proxy-ab` (ab.ts). */
export interface AbOptions {
  /** The revision compared against. */
  base: string;
  rounds: number;
  durationS: number;
  /** wrk connections per build. */
  connections: number;
  /**
   * Virtual hosts of the route table both builds run (the last one '*'): 100 by default, as a
   * mesh's outbound routes; 1 is bench:proxy's table, '*' alone, as a sidecar's inbound routes.
   */
  virtualHosts: number;
  help: boolean;
}

export const AB_USAGE = `usage: npm run bench:proxy-ab -- --base <rev|nginx|haproxy> [options]
  --base <rev>          the revision to compare against (a commit, tag or branch); nginx or
                        haproxy: this checkout against that proxy, both on the proxy core at once
                        (throughput per core with the VM's swings cancelled: base/this is the
                        max-throughput ratio weft/nginx as one core would serve it)
  --rounds <n>          measured rounds; medians are quoted (default 7)
  --duration <s>        seconds of each round (default 3)
  --connections <n>     wrk connections per build (default 16)
  --virtual-hosts <n>   virtual hosts of the route table, the last one '*' (default 100; 1 is
                        bench:proxy's table)
  -h, --help            this text
Prints, per round and as medians, the CPU time per request of each build and this/base.`;

export function parseAbOptions(argv: string[]): AbOptions | string {
  let v: {
    base?: string;
    rounds?: string;
    duration?: string;
    connections?: string;
    'virtual-hosts'?: string;
    help?: boolean;
  };
  try {
    v = parseArgs({
      args: argv,
      options: {
        base: { type: 'string' },
        rounds: { type: 'string' },
        duration: { type: 'string' },
        connections: { type: 'string' },
        'virtual-hosts': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  const help = v.help === true;
  if (!help && (v.base === undefined || v.base === '')) return '--base <rev> is required';
  const rounds = positive('rounds', v.rounds, 7, true);
  const durationS = positive('duration', v.duration, 3, true);
  const connections = positive('connections', v.connections, 16, true);
  const virtualHosts = positive('virtual-hosts', v['virtual-hosts'], 100, true);
  for (const r of [rounds, durationS, connections, virtualHosts]) if (typeof r === 'string') return r;
  return {
    base: v.base ?? '',
    rounds: rounds as number,
    durationS: durationS as number,
    connections: connections as number,
    virtualHosts: virtualHosts as number,
    help,
  };
}

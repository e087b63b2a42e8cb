// Command-line options of `npm run bench:proxy-trace`, parsed into a plan; bad input is a message value.
import { parseArgs } from 'node:util';
import { onlyTargets, positive } from './options.ts';

export const TARGETS = ['weft', 'nginx', 'node-floor'] as const;
export type Target = (typeof TARGETS)[number];

export const TRACE_USAGE = `usage: npm run bench:proxy-trace -- [options]   (as root)
  --rounds <n>    rounds, each tracing every target once, interleaved (default 3)
  --rate <rps>    the generator's fixed rate (default 1000, bench:proxy's latency rate)
  --trace <s>     seconds traced per target and round (default 1)
  --only <list>   comma-separated among ${TARGETS.join(',')} (default all)
  -h, --help      this text`;

export interface TraceOptions {
  rounds: number;
  rate: number;
  traceS: number;
  targets: Target[];
}

/** The options, or a message saying what is wrong. */
export function parseTraceOptions(argv: string[]): TraceOptions | string {
  let v: Record<string, string | boolean | undefined>;
  try {
    v = parseArgs({
      args: argv,
      options: {
        rounds: { type: 'string' },
        rate: { type: 'string' },
        trace: { type: 'string' },
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  if (v.help === true) return TRACE_USAGE;
  const num = (name: string, fallback: number, integer = false): number | string =>
    positive(name, typeof v[name] === 'string' ? v[name] : undefined, fallback, integer);
  const rounds = num('rounds', 3, true);
  const rate = num('rate', 1000);
  const traceS = num('trace', 1);
  for (const r of [rounds, rate, traceS]) if (typeof r === 'string') return r;
  let targets: Target[] = [...TARGETS];
  if (typeof v.only === 'string') {
    const asked = onlyTargets(v.only, TARGETS);
    if (typeof asked === 'string') return asked;
    targets = TARGETS.filter((t) => asked.includes(t));
  }
  return { rounds: rounds as number, rate: rate as number, traceS: traceS as number, targets };
}

// Turns the raw samples of a benchmark run into medians, ratios and PASS/FAIL verdicts, and
// formats them as the table printed at the end. Pure: the JSON written to bench/out is this data.
import type { LatencyResult, WrkResult } from '../lib/index.ts';
import { median } from '../lib/index.ts';
import type { TargetName } from './options.ts';

/** Goals from the design: throughput ≥ 0.8 × nginx; added p50 ≤ 1.25 × nginx's added p50. */
export const GOALS = { throughputVsNginx: 0.8, addedP50VsNginx: 1.25 } as const;

export interface TargetSamples {
  target: TargetName;
  wrk: (WrkResult | { error: string })[];
  latency: (LatencyResult | { error: string })[];
  /** Share of the machine used by other processes during each measurement (see lib/machine.ts). */
  foreignCpu?: number[];
  /** The target's own CPU time (user + system) per request in each throughput run, µs. */
  cpuUsPerRequest?: number[];
}

/** Above this share of the machine used by others during a measurement, its numbers are suspect. */
export const FOREIGN_CPU_LIMIT = 0.1;

export interface TargetSummary {
  target: TargetName;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  /** Median send lag of the latency generator (its own timing error, included in p50). */
  sendLagP50: number;
  /**
   * Median p50 from the actual write (no send lag, no queueing): what "added p50" is taken from
   * (see addedP50).
   */
  serviceP50: number;
  /** Median CPU µs per request during the throughput runs (NaN for direct). */
  cpuUs: number;
  /** Problems seen in any run: failed runs, socket errors, non-2xx responses. */
  problems: string[];
}

export interface Verdict {
  name: string;
  value: number;
  goal: string;
  pass: boolean | undefined;
}

export function summarizeTarget(s: TargetSamples): TargetSummary {
  const problems: string[] = [];
  const wrkOk: WrkResult[] = [];
  for (const w of s.wrk) {
    if ('error' in w) problems.push(`wrk: ${w.error}`);
    else {
      wrkOk.push(w);
      if (w.non2xx3xx > 0) problems.push(`wrk: ${w.non2xx3xx} non-2xx/3xx responses`);
      if (w.socketErrors > 0) problems.push(`wrk: ${w.socketErrors} socket errors`);
    }
  }
  const latOk: LatencyResult[] = [];
  for (const l of s.latency) {
    if ('error' in l) problems.push(`latency: ${l.error}`);
    else {
      latOk.push(l);
      const bad = l.errors + l.unanswered + l.non2xx;
      if (bad > 0)
        problems.push(
          `latency: ${bad} of ${l.scheduled} requests failed${l.firstError ? ` (${l.firstError})` : ''}`,
        );
    }
  }
  const busy = (s.foreignCpu ?? []).filter((f) => f > FOREIGN_CPU_LIMIT);
  if (busy.length > 0) {
    const worst = Math.round(Math.max(...busy) * 100);
    problems.push(
      `other processes used more than ${FOREIGN_CPU_LIMIT * 100}% of the machine during ${busy.length} of ` +
        `${s.foreignCpu!.length} measurements (up to ${worst}%): numbers are noisy, rerun on a quiet machine`,
    );
  }
  return {
    target: s.target,
    rps: median(wrkOk.map((w) => w.requestsPerSec)),
    p50: median(latOk.map((l) => l.latencyMs.p50)),
    p90: median(latOk.map((l) => l.latencyMs.p90)),
    p99: median(latOk.map((l) => l.latencyMs.p99)),
    sendLagP50: median(latOk.map((l) => l.sendLagMs.p50)),
    serviceP50: median(latOk.map((l) => l.serviceMs.p50)),
    cpuUs: median(s.cpuUsPerRequest ?? []),
    problems,
  };
}

/**
 * The latency a target adds to the direct path at p50: its service-time p50 (from each request's
 * actual write to its response) less direct's. Not the difference of the intended-time p50s: those
 * include the generator's send lag (~0.5 ms, its millisecond timer ticks), which does not cancel
 * between two runs — measured on this project's VMs, direct's lag p50 was 20–60 µs above the
 * proxies' in every round (the upstream shares the generator's core and answers at once), the
 * same order as what is being compared. At 1,000 rps over 16 connections nothing queues at the
 * median, so the intended-time basis adds only that noise and bias there; it stays the basis of
 * the p50/p90/p99 columns, where queueing does count.
 */
export function addedP50(
  s: TargetSummary | undefined,
  direct: TargetSummary | undefined,
): number | undefined {
  return s && direct ? s.serviceP50 - direct.serviceP50 : undefined;
}

/** The same from the intended-time p50s (information: what earlier runs reported). */
function addedP50Intended(
  s: TargetSummary | undefined,
  direct: TargetSummary | undefined,
): number | undefined {
  return s && direct ? s.p50 - direct.p50 : undefined;
}

function ratio(a: number | undefined, b: number | undefined): number {
  return a === undefined || b === undefined || !(b > 0) ? Number.NaN : a / b;
}

/** A ratio printed for information, with no goal. */
function info(name: string, value: number): Verdict {
  return { name, value, goal: '(info)', pass: undefined };
}

/** Weft against nginx and haproxy: throughput ratios and the added-p50 comparison. */
export function verdicts(summaries: TargetSummary[]): Verdict[] {
  const by = (t: TargetName) => summaries.find((s) => s.target === t);
  const direct = by('direct');
  const weft = by('weft');
  const nginx = by('nginx');
  const haproxy = by('haproxy');
  const pipe = by('node-pipe');
  if (!weft) return [];
  const added = (s: TargetSummary | undefined) => addedP50(s, direct);
  const out: Verdict[] = [];
  const tn = ratio(weft.rps, nginx?.rps);
  out.push({
    name: 'throughput weft/nginx',
    value: tn,
    goal: `>= ${GOALS.throughputVsNginx}`,
    pass: Number.isNaN(tn) ? undefined : tn >= GOALS.throughputVsNginx,
  });
  // What the same core would serve if each proxy kept it busy: less noisy than rps when core 0
  // (load generator + upstream) limits a run, or the machine's neighbours slow one target's run.
  out.push(info('cpu-bound rps weft/nginx', ratio(nginx?.cpuUs, weft.cpuUs)));
  out.push(info('throughput weft/haproxy', ratio(weft.rps, haproxy?.rps)));
  const floor = by('node-floor');
  if (floor) {
    // CPU per request against weft's own I/O layer doing no HTTP work: what the HTTP work costs.
    out.push(info('cpu-bound rps weft/node-floor', ratio(floor.cpuUs, weft.cpuUs)));
  }
  const httpFloor = by('http-floor');
  if (httpFloor) {
    // Against the leanest code doing the same HTTP edits on the same layer: what weft's own
    // structure costs beyond the work itself.
    out.push(info('cpu-bound rps weft/http-floor', ratio(httpFloor.cpuUs, weft.cpuUs)));
    out.push(info('cpu-bound rps http-floor/nginx', ratio(nginx?.cpuUs, httpFloor.cpuUs)));
  }
  if (pipe) {
    // What no Node proxy here can exceed: a forwarder that parses nothing.
    out.push(info('ceiling node-pipe/nginx', ratio(pipe.rps, nginx?.rps)));
    out.push(info('weft/node-pipe ceiling', ratio(weft.rps, pipe.rps)));
  }
  // nginx's added p50 can be tiny; a non-positive one makes the ratio meaningless: ratio() gives
  // NaN, reported as n/a.
  const an = added(nginx);
  const aw = added(weft);
  const ap = ratio(aw, an);
  out.push({
    name: 'added p50 weft/nginx',
    value: ap,
    goal: `<= ${GOALS.addedP50VsNginx}`,
    pass: Number.isNaN(ap) ? undefined : ap <= GOALS.addedP50VsNginx,
  });
  const ah = added(haproxy);
  out.push(info('added p50 weft/haproxy', ratio(aw, ah)));
  const ani = addedP50Intended(nginx, direct);
  out.push(info('added p50 weft/nginx (intended)', ratio(addedP50Intended(weft, direct), ani)));
  return out;
}

const fmt = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

/**
 * The goal ratios of each round on its own (targets are measured close together within a round),
 * so the spread between rounds — the machine's, not the code's — shows next to the medians.
 * Empty without weft, nginx and direct; a round where one of them failed is left out.
 */
export function perRoundLines(samples: readonly TargetSamples[]): string[] {
  const of = (t: TargetName) => samples.find((s) => s.target === t);
  const weft = of('weft');
  const nginx = of('nginx');
  const direct = of('direct');
  if (!weft || !nginx || !direct) return [];
  const rps = (w: WrkResult | { error: string } | undefined) =>
    w && !('error' in w) ? w.requestsPerSec : NaN;
  const p50 = (l: LatencyResult | { error: string } | undefined) =>
    l && !('error' in l) ? l.serviceMs.p50 : NaN;
  const thr: number[] = [];
  const lat: number[] = [];
  for (let i = 0; i < weft.wrk.length; i++) {
    const t = rps(weft.wrk[i]) / rps(nginx.wrk[i]);
    if (Number.isFinite(t)) thr.push(t);
  }
  for (let i = 0; i < weft.latency.length; i++) {
    const d = p50(direct.latency[i]);
    const r = (p50(weft.latency[i]) - d) / (p50(nginx.latency[i]) - d);
    if (Number.isFinite(r)) lat.push(r);
  }
  if (thr.length < 2 && lat.length < 2) return [];
  const list = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' ');
  // The median of the rounds' own ratios pairs each weft run with the nginx run next to it; the
  // verdicts divide the medians, which may come from different rounds. Both are shown.
  const med = (xs: number[]) => (xs.length > 0 ? ` (median ${median(xs).toFixed(2)})` : '');
  return [
    `by round: throughput weft/nginx ${list(thr)}${med(thr)}; added p50 weft/nginx ${list(lat)}${med(lat)}`,
  ];
}

export function formatTable(summaries: TargetSummary[], vs: Verdict[], rate: number): string {
  const direct = summaries.find((s) => s.target === 'direct');
  const header = [
    'target',
    'rps (median)',
    'cpu µs/req',
    `p50 ms @${rate}`,
    'p90 ms',
    'p99 ms',
    'added p50 ms',
  ];
  const rows = summaries.map((s) => [
    s.target,
    fmt(s.rps, 0),
    s.target === 'direct' ? '-' : fmt(s.cpuUs, 1),
    fmt(s.p50, 3),
    fmt(s.p90, 3),
    fmt(s.p99, 3),
    s.target === 'direct' || !direct ? '-' : fmt(addedP50(s, direct)!, 3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const lines = [
    pad(header, widths),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map((r) => pad(r, widths)),
  ];
  if (vs.length > 0) {
    lines.push('');
    for (const v of vs) {
      const mark = v.pass === undefined ? (v.goal === '(info)' ? '' : 'n/a') : v.pass ? 'PASS' : 'FAIL';
      lines.push(
        `${v.name.padEnd(31)} ${fmt(v.value, 2).padStart(6)}  goal ${v.goal.padEnd(7)} ${mark}`.trimEnd(),
      );
    }
  }
  const lag = median(summaries.map((s) => s.sendLagP50));
  if (Number.isFinite(lag)) {
    lines.push('');
    lines.push(
      `p50/p90/p99 are measured from each request's intended send time and include the generator's own send lag ` +
        `(median ${fmt(lag, 3)} ms, Node's 1 ms timer ticks); "added p50" is the service-time p50 (from the actual ` +
        `write) less direct's, which that lag does not blur.`,
    );
  }
  for (const s of summaries) for (const p of s.problems) lines.push(`! ${s.target}: ${p}`);
  return lines.join('\n');
}

// `npm run bench:proxy`: weft proxy against nginx and haproxy on this machine, in one run.
//
// For each target (direct = client → upstream, weft, nginx, haproxy) it measures maximum
// throughput with wrk (closed loop, keep-alive) and latency at a fixed rate with an open-loop
// generator that measures from intended send times, repeats both `--runs` times interleaved across
// targets, and prints medians, ratios and PASS/FAIL against the goals; then weft and nginx loaded
// at once on the proxy core (paired, information). Results also go to
// bench/out/proxy-<timestamp>.json.
//
// A round's throughput is measured in turns as well: one-second wrk runs, a target at a time, the
// order rotated, --duration seconds per target in all.
//
// A round's latency is one run that loads the targets in turns of --slice-ms (250 ms), each alone
// on its core at the fixed rate, --duration seconds each in all: the added-latency ratios compare
// targets measured within the same second or so. Run one after another for 5 s each, as before,
// the same build's added p50 weft/nginx moved from 0.74 to 1.46 between rounds of one run and from
// 1.03 to 1.53 between runs an hour apart, as the VM's wake-ups got dearer or cheaper.
//
// CPU placement (2 cores): the proxy under test runs alone on core 1; wrk / the latency generator
// and the upstream share core 0. Caveats: the "direct" row shares one core between client and
// server, so its throughput is not a ceiling for the proxies; every proxy is single-threaded
// (nginx 1 worker, haproxy nbthread 1, weft one Node process), and core 0 can saturate before the
// proxy does, which compresses the ratios towards 1 — compare ratios from the same run only.

import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type ChildSet,
  ensureTools,
  foreignShare,
  groupJiffies,
  LATENCY_MAIN,
  type LatencyResult,
  median,
  parseWrkOutput,
  readRssKiB,
  sampleCpu,
  TOOLS,
  turnOrder,
  type WrkResult,
  withChildren,
  wrkArgs,
} from '../lib/index.ts';
import { type BenchOptions, parseBenchOptions, type TargetName, USAGE } from './options.ts';
import { loadedAtOnce } from './paired.ts';
import { formatTable, perRoundLines, summarizeTarget, type TargetSamples, verdicts } from './report.ts';
import { CPU, type RunningServer, startTarget, startUpstream, startWeft } from './targets.ts';
import { addTurn, newTurnsTotal, type TurnsTotal, turnsResult } from './turns.ts';

const OUT_DIR = resolve(import.meta.dirname, '..', 'out');
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function runWrk(
  children: ChildSet,
  port: number,
  durationS: number,
  connections: number,
): Promise<WrkResult | { error: string }> {
  try {
    const args = wrkArgs({ url: `http://127.0.0.1:${port}/`, threads: 1, connections, durationS });
    const out = await children.run('wrk', 'wrk', args, { cpu: CPU.loadAndUpstream });
    const parsed = parseWrkOutput(out);
    return typeof parsed === 'string' ? { error: parsed } : parsed;
  } catch (err) {
    return { error: errorText(err) };
  }
}

/** One latency run over `ports`, loaded in turns (latency-main --ports); a result per port. */
async function runLatency(
  children: ChildSet,
  ports: readonly number[],
  o: BenchOptions,
): Promise<(LatencyResult | { error: string })[]> {
  try {
    const args = [
      LATENCY_MAIN,
      '--ports',
      ports.join(','),
      '--slice-ms',
      String(o.sliceMs),
      '--rate',
      String(o.rate),
      '--duration-ms',
      String(Math.round(o.durationS * 1000)),
      '--connections',
      String(o.latencyConnections),
    ];
    const out = await children.run('latency', process.execPath, args, { cpu: CPU.loadAndUpstream });
    const results = JSON.parse(out) as LatencyResult[];
    if (!Array.isArray(results) || results.length !== ports.length)
      return ports.map(() => ({ error: `latency-main printed no result per port: ${out.slice(0, 200)}` }));
    return results;
  } catch (err) {
    const error = errorText(err);
    return ports.map(() => ({ error }));
  }
}

/** Idle RSS of weft holding `routes` virtual hosts and clusters, 2 s after it answers. */
async function idleRss(
  children: ChildSet,
  base: string,
  upstreamPort: number,
  routes: number,
): Promise<number | { error: string }> {
  try {
    const weft = await startWeft(children, base, upstreamPort, routes, `weft-${routes}-routes`);
    await new Promise((r) => setTimeout(r, 2000));
    const kib = await readRssKiB(weft.child.pid);
    await children.stop(weft.child);
    return kib ?? { error: `could not read /proc/${weft.child.pid}/status` };
  } catch (err) {
    return { error: errorText(err) };
  }
}

/** Runs one measurement and reports how much of the machine other processes used meanwhile. */
async function measured<T>(children: ChildSet, run: () => Promise<T>): Promise<[T, number | undefined]> {
  const before = await sampleCpu(children.groups());
  const result = await run();
  const after = await sampleCpu(children.groups());
  return [result, before && after ? foreignShare(before, after) : undefined];
}

function busyNote(f: number | undefined): string {
  return f !== undefined && f > 0.05 ? ` [others used ${Math.round(f * 100)}% of the machine]` : '';
}

function toolVersion(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0]!.trim();
}

function fmtNum(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/** wrk's runs in a round's throughput turns: whole seconds are wrk's finest duration. */
const THROUGHPUT_TURN_S = 1;

/**
 * A round's throughput, in turns: `durationS` one-second wrk runs per target, one target at a
 * time (alone on the proxy core, as before), the order rotated every cycle, so that every target
 * meets the same phases of the machine. Per target: the requests over the seconds wrk ran, and its
 * own CPU per request (its process group's jiffies around each of its turns; not for direct, which
 * is the upstream).
 */
async function throughputInTurns(
  children: ChildSet,
  order: readonly TargetName[],
  servers: ReadonlyMap<TargetName, RunningServer>,
  o: BenchOptions,
): Promise<Map<TargetName, { wrk: WrkResult | { error: string }; cpuUs: number | undefined }>> {
  const totals = new Map<TargetName, TurnsTotal>(order.map((t) => [t, newTurnsTotal()]));
  const cycles = Math.max(1, Math.round(o.durationS / THROUGHPUT_TURN_S));
  for (let cycle = 0; cycle < cycles; cycle++) {
    for (const t of turnOrder(order, cycle)) {
      const total = totals.get(t)!;
      if (total.error !== undefined) continue;
      const server = servers.get(t)!;
      // The proxy's own CPU during its turn (not for direct: that is the upstream).
      const pid = t === 'direct' ? undefined : server.child.pid;
      const j0 = pid === undefined ? 0 : await groupJiffies(pid);
      const w = await runWrk(children, server.port, THROUGHPUT_TURN_S, o.wrkConnections);
      addTurn(total, w, pid === undefined ? 0 : (await groupJiffies(pid)) - j0);
    }
  }
  return new Map([...totals].map(([t, total]) => [t, turnsResult(total, t !== 'direct')]));
}

interface PairedRound {
  weftUs: number;
  nginxUs: number;
  /** nginx's CPU per request over weft's: the throughput one core gives weft, relative to nginx. */
  ratio: number;
}

/**
 * weft and nginx loaded at once on the proxy core (paired.ts), each by its own wrk with half the
 * connections, for `runs` rounds; a round whose wrk failed is left out.
 */
async function pairedRounds(
  children: ChildSet,
  weft: RunningServer,
  nginx: RunningServer,
  o: BenchOptions,
): Promise<PairedRound[]> {
  const rounds: PairedRound[] = [];
  const connections = Math.max(1, Math.round(o.wrkConnections / 2));
  for (let i = 0; i < o.runs; i++) {
    let weftUs: number;
    let nginxUs: number;
    try {
      ({ aUs: weftUs, bUs: nginxUs } = await loadedAtOnce(children, weft, nginx, o.durationS, connections));
    } catch (err) {
      log(`[paired ${i + 1}/${o.runs}] left out: ${errorText(err)}`);
      continue;
    }
    rounds.push({ weftUs, nginxUs, ratio: nginxUs / weftUs });
    log(
      `[paired ${i + 1}/${o.runs}] weft ${fmtNum(weftUs, 1)} µs, nginx ${fmtNum(nginxUs, 1)} µs CPU per request: ${fmtNum(nginxUs / weftUs, 3)}`,
    );
  }
  return rounds;
}

async function bench(o: BenchOptions, children: ChildSet, base: string): Promise<number> {
  const upstream = await startUpstream(children, base);
  log(`upstream nginx on 127.0.0.1:${upstream.port} (cpu ${CPU.loadAndUpstream})`);
  const servers = new Map<TargetName, RunningServer>();
  const samples = new Map<TargetName, TargetSamples>();
  const startErrors: Record<string, string> = {};
  for (const t of o.targets) {
    samples.set(t, { target: t, wrk: [], latency: [], foreignCpu: [], cpuUsPerRequest: [] });
    try {
      const s = await startTarget(children, base, t, upstream);
      servers.set(t, s);
      log(`${t}: 127.0.0.1:${s.port}${t === 'direct' ? '' : ` (cpu ${CPU.proxy})`}`);
    } catch (err) {
      startErrors[t] = errorText(err);
      samples.get(t)!.wrk.push({ error: `not started: ${errorText(err)}` });
      log(`${t}: NOT STARTED: ${errorText(err)}`);
    }
  }
  const live = o.targets.filter((t) => servers.has(t));

  log(`warm-up: ${o.warmupS} s of wrk per target`);
  for (const t of live) await runWrk(children, servers.get(t)!.port, o.warmupS, o.wrkConnections);

  for (let round = 0; round < o.runs; round++) {
    // Rotate the order each round so slow drift (thermal, page cache, other tenants) spreads evenly.
    const order = turnOrder(live, round);
    const [turns, fw] = await measured(children, () => throughputInTurns(children, order, servers, o));
    for (const t of order) {
      const { wrk: w, cpuUs } = turns.get(t)!;
      const sample = samples.get(t)!;
      sample.wrk.push(w);
      if (cpuUs !== undefined) sample.cpuUsPerRequest!.push(cpuUs);
      if (fw !== undefined) sample.foreignCpu!.push(fw);
      const rps =
        'error' in w
          ? `wrk error: ${w.error}`
          : `${fmtNum(w.requestsPerSec, 0)} rps${cpuUs === undefined ? '' : ` (${fmtNum(cpuUs, 1)} µs CPU each)`}`;
      log(
        `[round ${round + 1}/${o.runs}] ${t.padEnd(7)} ${rps} in ${THROUGHPUT_TURN_S} s turns${busyNote(fw)}`,
      );
    }
    const ports = order.map((t) => servers.get(t)!.port);
    const [results, fl] = await measured(children, () => runLatency(children, ports, o));
    order.forEach((t, i) => {
      const l = results[i]!;
      const sample = samples.get(t)!;
      sample.latency.push(l);
      if (fl !== undefined) sample.foreignCpu!.push(fl);
      const lat =
        'error' in l
          ? `latency error: ${l.error}`
          : `p50 ${fmtNum(l.latencyMs.p50, 3)} ms, service p50 ${fmtNum(l.serviceMs.p50, 3)} ms, p99 ${fmtNum(l.latencyMs.p99, 3)} ms`;
      log(
        `[round ${round + 1}/${o.runs}] ${t.padEnd(7)} @${o.rate} rps in ${o.sliceMs} ms turns: ${lat}${busyNote(fl)}`,
      );
    });
  }

  const weftServer = servers.get('weft');
  const nginxServer = servers.get('nginx');
  const paired =
    weftServer && nginxServer ? await pairedRounds(children, weftServer, nginxServer, o) : undefined;
  const weftRssAfterLoadKiB = weftServer ? await readRssKiB(weftServer.child.pid) : undefined;
  let idle: number | { error: string } | undefined;
  if (o.targets.includes('weft')) {
    log(`weft with ${o.rssRoutes} virtual hosts, idle for 2 s …`);
    idle = await idleRss(children, base, upstream.port, o.rssRoutes);
  }

  const summaries = o.targets.map((t) => summarizeTarget(samples.get(t)!));
  const vs = verdicts(summaries);
  const lines = [
    '',
    `proxy benchmark: wrk -t1 -c${o.wrkConnections} -d${o.durationS}s; open-loop ${o.rate} rps × ${o.durationS} s over ${o.latencyConnections} connections, targets in ${o.sliceMs} ms turns; ${o.runs} run(s), medians`,
    `cpu: proxy on core ${CPU.proxy}; load generator + upstream on core ${CPU.loadAndUpstream}`,
    '',
    formatTable(summaries, vs, o.rate),
    ...perRoundLines([...samples.values()]),
  ];
  if (paired !== undefined && paired.length > 0)
    lines.push(
      `paired on core ${CPU.proxy} (info): throughput per core weft/nginx ${median(paired.map((r) => r.ratio)).toFixed(2)} (rounds ${paired.map((r) => r.ratio.toFixed(2)).join(' ')}), both loaded at once`,
    );
  if (idle !== undefined) {
    lines.push(
      typeof idle === 'number'
        ? `weft RSS idle with ${o.rssRoutes} virtual hosts: ${(idle / 1024).toFixed(1)} MiB (VmRSS ${idle} kB)`
        : `weft RSS idle with ${o.rssRoutes} virtual hosts: n/a (${idle.error})`,
    );
  }
  if (weftRssAfterLoadKiB !== undefined)
    lines.push(`weft RSS after the load runs: ${(weftRssAfterLoadKiB / 1024).toFixed(1)} MiB`);
  process.stdout.write(`${lines.join('\n')}\n`);

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  await mkdir(OUT_DIR, { recursive: true });
  const outFile = join(OUT_DIR, `proxy-${stamp}.json`);
  const report = {
    timestamp: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      nginx: toolVersion('nginx', ['-v']),
      haproxy: toolVersion('haproxy', ['-v']),
      wrk: toolVersion('wrk', ['--version']),
    },
    options: o,
    cpuPlacement: CPU,
    startErrors,
    samples: o.targets.map((t) => samples.get(t)!),
    summaries,
    verdicts: vs,
    paired,
    weftRss: { idleRoutes: o.rssRoutes, idleKiB: idle, afterLoadKiB: weftRssAfterLoadKiB },
  };
  await writeFile(outFile, `${JSON.stringify(report, null, 2)}\n`);
  log(`results written to ${outFile}`);
  return vs.some((v) => v.pass === false) ? 1 : 0;
}

async function main(): Promise<number> {
  const o = parseBenchOptions(process.argv.slice(2));
  if (typeof o === 'string') {
    log(`bench:proxy: ${o}\n${USAGE}`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (process.platform !== 'linux') {
    log('bench:proxy: needs Linux (taskset, /proc, Debian packages)');
    return 2;
  }
  if (cpus().length < 2)
    log(`warning: ${cpus().length} CPU(s); the proxy and the load generator will share one`);
  const missing = ensureTools([TOOLS.nginx, TOOLS.haproxy, TOOLS.wrk, TOOLS.taskset], log);
  if (missing !== undefined) {
    log(`bench:proxy: ${missing}`);
    return 1;
  }
  return withChildren('weft-bench-proxy-', log, (children, base) => bench(o, children, base));
}

process.exitCode = await main();

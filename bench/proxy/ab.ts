// `npm run bench:proxy-ab -- --base <rev>`: CPU per proxied request of this checkout against
// another revision, both loaded at the same time.
//
// Throughput on a shared VM swings by a third between runs, which hides a 5 % change. Here both
// builds run side by side on the proxy core, each under its own wrk at once, so whatever else the
// machine does hits both alike; each round reads utime + stime from /proc/<pid>/stat before and
// after and divides by the requests served. Two identical builds give ratios within ±5 %. The
// baseline is a detached git worktree of --base (sharing this checkout's node_modules), removed at
// the end; both run with the Node flags of PROXY_NODE_FLAGS, so the ratio is the code's alone.
// `--base nginx` (or haproxy) pairs this checkout with the reference proxy the same way: the
// per-core throughput ratio of bench:proxy, without the swings between its separate runs.
import { execFileSync } from 'node:child_process';
import { symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ChildSet, ensureTools, median, TOOLS, withChildren } from '../lib/index.ts';
import { AB_USAGE, type AbOptions, parseAbOptions } from './options.ts';
import { loadedAtOnce, wrkRequests } from './paired.ts';
import {
  CPU,
  type RunningServer,
  startHaproxy,
  startNginxProxy,
  startUpstream,
  startWeft,
} from './targets.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** The reference proxies --base may name instead of a revision. */
const REFERENCE_PROXIES = ['nginx', 'haproxy'] as const;
type ReferenceProxy = (typeof REFERENCE_PROXIES)[number];

function referenceProxy(base: string): ReferenceProxy | undefined {
  return REFERENCE_PROXIES.find((p) => p === base);
}

interface Round {
  baseUs: number;
  headUs: number;
  ratio: number;
}

/** One round: both builds under load at once; CPU µs per request of each. */
async function round(children: ChildSet, a: RunningServer, b: RunningServer, o: AbOptions): Promise<Round> {
  const { aUs: baseUs, bUs: headUs } = await loadedAtOnce(children, a, b, o.durationS, o.connections);
  return { baseUs, headUs, ratio: headUs / baseUs };
}

async function run(o: AbOptions, children: ChildSet, dir: string): Promise<number> {
  const reference = referenceProxy(o.base);
  const worktree = join(dir, 'base');
  if (reference === undefined) {
    log(`checking out ${o.base} into a temporary worktree …`);
    execFileSync('git', ['worktree', 'add', '--detach', worktree, o.base], { cwd: ROOT, stdio: 'ignore' });
  }
  try {
    const upstream = await startUpstream(children, dir);
    let a: RunningServer;
    if (reference === 'nginx') a = await startNginxProxy(children, dir, upstream.port);
    else if (reference === 'haproxy') a = await startHaproxy(children, dir, upstream.port);
    else {
      await symlink(join(ROOT, 'node_modules'), join(worktree, 'node_modules'));
      a = await startWeft(
        children,
        dir,
        upstream.port,
        o.virtualHosts,
        'base',
        join(worktree, 'bin', 'weft.js'),
      );
    }
    const b = await startWeft(children, dir, upstream.port, o.virtualHosts, 'this');
    log('warming up both …');
    await Promise.all([
      wrkRequests(children, a.port, 2, o.connections),
      wrkRequests(children, b.port, 2, o.connections),
    ]);
    const rounds: Round[] = [];
    for (let i = 0; i < o.rounds; i++) {
      const r = await round(children, a, b, o);
      rounds.push(r);
      log(
        `[round ${i + 1}/${o.rounds}] base ${r.baseUs.toFixed(2)} µs, this ${r.headUs.toFixed(2)} µs per request: ${r.ratio.toFixed(3)}`,
      );
    }
    const m = (f: (r: Round) => number) => median(rounds.map(f));
    process.stdout.write(
      [
        '',
        `proxy CPU per request, both builds loaded at once on core ${CPU.proxy} (${o.rounds} rounds of ${o.durationS} s, wrk -c${o.connections} each)`,
        `base (${o.base}): ${m((r) => r.baseUs).toFixed(2)} µs   this checkout: ${m((r) => r.headUs).toFixed(2)} µs`,
        `this/base (median of the rounds' ratios): ${m((r) => r.ratio).toFixed(3)}`,
        ...(reference === undefined
          ? []
          : [
              `throughput per core weft/${reference} (base/this, median of the rounds): ${m((r) => 1 / r.ratio).toFixed(3)}`,
            ]),
        '',
      ].join('\n'),
    );
    return 0;
  } finally {
    await children.stopAll();
    if (reference === undefined)
      execFileSync('git', ['worktree', 'remove', '--force', worktree], { cwd: ROOT, stdio: 'ignore' });
  }
}

async function main(): Promise<number> {
  const o = parseAbOptions(process.argv.slice(2));
  if (typeof o === 'string') {
    log(`bench:proxy-ab: ${o}\n${AB_USAGE}`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(`${AB_USAGE}\n`);
    return 0;
  }
  if (process.platform !== 'linux') {
    log('bench:proxy-ab: needs Linux (taskset, /proc)');
    return 2;
  }
  const missing = ensureTools(
    o.base === 'haproxy'
      ? [TOOLS.nginx, TOOLS.haproxy, TOOLS.wrk, TOOLS.taskset]
      : [TOOLS.nginx, TOOLS.wrk, TOOLS.taskset],
    log,
  );
  if (missing !== undefined) {
    log(`bench:proxy-ab: ${missing}`);
    return 1;
  }
  try {
    return await withChildren('weft-bench-ab-', log, (children, dir) => run(o, children, dir));
  } catch (err) {
    log(`bench:proxy-ab: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

process.exitCode = await main();

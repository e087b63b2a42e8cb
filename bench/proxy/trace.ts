// `npm run bench:proxy-trace`: where a proxied request's time goes at a low rate, hop by hop.
//
// bench:proxy says how much latency each proxy adds at 1,000 rps; this says where it goes. Each
// target (weft, nginx, and node-floor — weft's read/write layer with no HTTP work) runs alone on
// the proxy core as in bench:proxy, under the same open-loop generator, while `perf record` traces
// the read/write/epoll syscalls of the generator, the proxy and the upstream. Every request is
// then followed through the three processes (chain.ts): the proxy's own work between a read and
// the write it causes, its write syscalls, and each process's wake-up by the one before. Rounds
// interleave the targets; the table holds medians over every traced request of every round.
//
// Needs root (syscall tracepoints) and perf (Debian's linux-perf, installed when missing).
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  type ChildSet,
  ensureTools,
  LATENCY_MAIN,
  median,
  TOOLS,
  withChildren,
  wrkArgs,
} from '../lib/index.ts';
import {
  parseTraceLine,
  requestChains,
  SEGMENT_TITLES,
  SEGMENTS,
  type Segment,
  type SyscallEvent,
} from './chain.ts';
import { CPU, type RunningServer, startTarget, startUpstream } from './targets.ts';
import { parseTraceOptions, type Target, TRACE_USAGE, type TraceOptions } from './trace-options.ts';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** The pid that does the work: nginx's master forks its one worker; other targets are one process. */
async function workerPid(pid: number): Promise<number> {
  try {
    const kids = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(/\s+/);
    return kids[0] ? Number(kids[0]) : pid;
  } catch {
    return pid;
  }
}

const EVENTS = ['read', 'recvfrom', 'write', 'writev', 'epoll_wait', 'epoll_pwait']
  .flatMap((n) => [`syscalls:sys_enter_${n}`, `syscalls:sys_exit_${n}`])
  .join(',');

async function readTrace(file: string): Promise<SyscallEvent[]> {
  const out: SyscallEvent[] = [];
  for await (const line of createInterface({ input: createReadStream(file) })) {
    const e = parseTraceLine(line);
    if (e !== undefined) out.push(e);
  }
  return out;
}

/** One traced stretch of the generator's run against `server`: the requests' segments. */
async function traceOnce(
  children: ChildSet,
  dir: string,
  server: RunningServer,
  upstreamPid: number,
  o: TraceOptions,
): Promise<Array<Record<Segment | 'total', number>>> {
  const durationMs = Math.round((o.traceS + 2.5) * 1000);
  const gen = children.start(
    'latency',
    process.execPath,
    [
      LATENCY_MAIN,
      '--port',
      String(server.port),
      '--rate',
      String(o.rate),
      '--duration-ms',
      String(durationMs),
    ],
    { cpu: CPU.loadAndUpstream, captureStdout: true },
  );
  await new Promise((r) => setTimeout(r, 1500));
  const proxy = await workerPid(server.child.pid);
  const data = join(dir, `${server.name}.perf`);
  const pids = `${gen.pid},${proxy},${upstreamPid}`;
  await children.run('perf record', 'perf', [
    'record',
    '-q',
    '-e',
    EVENTS,
    '-p',
    pids,
    '-o',
    data,
    '--',
    'sleep',
    String(o.traceS),
  ]);
  await gen.exited;
  const text = join(dir, `${server.name}.txt`);
  await children.run('perf script', 'sh', [
    '-c',
    `perf script -i '${data}' -F pid,time,event,trace > '${text}'`,
  ]);
  return requestChains(await readTrace(text), { generator: gen.pid, proxy, upstream: upstreamPid });
}

function table(rows: Map<Target, Array<Record<Segment | 'total', number>>>): string {
  const targets = [...rows.keys()];
  const width = Math.max(...SEGMENTS.map((s) => SEGMENT_TITLES[s].length), 42);
  const med = (t: Target, k: Segment | 'total'): number => median(rows.get(t)!.map((r) => r[k]));
  const line = (title: string, f: (t: Target) => number): string =>
    title.padEnd(width) + targets.map((t) => f(t).toFixed(0).padStart(12)).join('');
  const out = [''.padEnd(width) + targets.map((t) => t.padStart(12)).join('')];
  for (const s of SEGMENTS) out.push(line(SEGMENT_TITLES[s], (t) => med(t, s)));
  out.push(line('total: generator write → generator wakes', (t) => med(t, 'total')));
  out.push(
    line(
      "proxy's own work (the two read → write)",
      (t) => med(t, 'proxyRequestWork') + med(t, 'proxyResponseWork'),
    ),
  );
  out.push(''.padEnd(width) + targets.map((t) => `(${rows.get(t)!.length} req)`.padStart(12)).join(''));
  return out.join('\n');
}

async function main(): Promise<number> {
  const o = parseTraceOptions(process.argv.slice(2));
  if (typeof o === 'string') {
    process.stderr.write(`${o}\n`);
    return o === TRACE_USAGE ? 0 : 2;
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    log('bench:proxy-trace needs root: syscall tracepoints are root-only. Run it with sudo.');
    return 2;
  }
  const missing = ensureTools([TOOLS.nginx, TOOLS.wrk, TOOLS.taskset, TOOLS.perf], log);
  if (missing !== undefined) {
    log(missing);
    return 2;
  }
  return withChildren('weft-trace-', log, async (children, dir) => {
    const upstream = await startUpstream(children, dir);
    const upstreamPid = await workerPid(upstream.child.pid);
    const servers = new Map<Target, RunningServer>();
    for (const t of o.targets) {
      const s = await startTarget(children, dir, t, upstream);
      servers.set(t, s);
      const args = wrkArgs({ url: `http://127.0.0.1:${s.port}/`, threads: 1, connections: 16, durationS: 2 });
      await children.run('wrk', 'wrk', args, { cpu: CPU.loadAndUpstream });
      log(`${t}: 127.0.0.1:${s.port} (cpu ${CPU.proxy}), warmed up`);
    }
    const rows = new Map<Target, Array<Record<Segment | 'total', number>>>(o.targets.map((t) => [t, []]));
    for (let r = 1; r <= o.rounds; r++) {
      for (const [t, s] of servers) {
        const got = await traceOnce(children, dir, s, upstreamPid, o);
        rows.get(t)!.push(...got);
        log(
          `[round ${r}/${o.rounds}] ${t}: ${got.length} requests traced, total median ${median(got.map((g) => g.total)).toFixed(0)} µs`,
        );
      }
    }
    process.stdout.write(
      `\nwhere a request's time goes at ${o.rate} rps, µs (medians over every traced request)\n${table(rows)}\n`,
    );
    return 0;
  });
}

process.exitCode = await main();

// The path of one proxied request through the kernel, from a syscall trace of the three processes
// it crosses: the load generator, the proxy and the upstream. `perf script -F pid,time,event,trace`
// of the sys_enter/sys_exit tracepoints of read/recvfrom, write/writev and epoll_wait/epoll_pwait
// gives each process's syscalls in time order; a request is the generator's write, the proxy
// waking and reading it, the proxy's write to the upstream, the upstream waking and answering,
// the proxy waking, reading and writing the response, and the generator waking. The intervals
// between those steps say where a proxy's added latency goes: its own work between a read and
// the write it causes, its syscalls, and the wake-ups of each process by the one before.

export interface SyscallEvent {
  pid: number;
  /** Microseconds (perf's clock). */
  timeUs: number;
  phase: 'enter' | 'exit';
  name: string;
  /** The return value of an exit (bytes for read/write); 0 for an enter. */
  ret: number;
}

const LINE = /^\s*(\d+)\s+([\d.]+):\s+syscalls:sys_(enter|exit)_(\w+):\s*(.*)$/;

/** One line of `perf script -F pid,time,event,trace`, or undefined for any other line. */
export function parseTraceLine(line: string): SyscallEvent | undefined {
  const m = LINE.exec(line);
  if (m === null) return undefined;
  const phase = m[3] as 'enter' | 'exit';
  let ret = 0;
  if (phase === 'exit') {
    const raw = m[5]!.trim();
    // perf prints returns in hex (0x37) or decimal; negative errnos as huge unsigned hex.
    const v = raw.startsWith('0x') ? BigInt.asIntN(64, BigInt(raw)) : BigInt(raw);
    ret = Number(v);
  }
  return { pid: Number(m[1]), timeUs: Number(m[2]) * 1e6, phase, name: m[4]!, ret };
}

/** The steps of one request, in order; each segment is the time from one step to the next. */
export const SEGMENTS = [
  'wakeProxy',
  'proxyRead',
  'proxyRequestWork',
  'writeUpstream',
  'wakeUpstream',
  'upstreamWork',
  'wakeProxyAgain',
  'proxyReadResponse',
  'proxyResponseWork',
  'writeDownstream',
  'wakeGenerator',
] as const;
export type Segment = (typeof SEGMENTS)[number];

/** What each segment is, for the report. */
export const SEGMENT_TITLES: Record<Segment, string> = {
  wakeProxy: 'generator write → proxy wakes',
  proxyRead: 'proxy wakes → request read',
  proxyRequestWork: 'proxy: request read → upstream write',
  writeUpstream: 'proxy: upstream write syscall',
  wakeUpstream: 'upstream write → upstream wakes',
  upstreamWork: 'upstream wakes → response write',
  wakeProxyAgain: 'upstream response write → proxy wakes',
  proxyReadResponse: 'proxy wakes → response read',
  proxyResponseWork: 'proxy: response read → downstream write',
  writeDownstream: 'proxy: downstream write syscall',
  wakeGenerator: 'downstream write → generator wakes',
};

export interface ChainPids {
  generator: number;
  proxy: number;
  upstream: number;
}

const READS = new Set(['read', 'recvfrom']);
const WRITES = new Set(['write', 'writev']);
const WAITS = new Set(['epoll_wait', 'epoll_pwait']);

/**
 * Each complete request in `events` (time-ordered), as its segments in µs plus `total` (the
 * generator's write to its wake-up). A chain that runs off the end of the trace, or whose steps
 * interleave with another request's so that an interval comes out negative or over `maxTotalUs`,
 * is left out.
 */
export function requestChains(
  events: readonly SyscallEvent[],
  pids: ChainPids,
  maxTotalUs = 5000,
): Array<Record<Segment | 'total', number>> {
  const byPid = (pid: number): number[] => {
    const out: number[] = [];
    for (let i = 0; i < events.length; i++) if (events[i]!.pid === pid) out.push(i);
    return out;
  };
  const lists = new Map<number, number[]>([
    [pids.generator, byPid(pids.generator)],
    [pids.proxy, byPid(pids.proxy)],
    [pids.upstream, byPid(pids.upstream)],
  ]);
  // The first event of `pid` after event index `after` matching the test, as an event index.
  const next = (
    pid: number,
    after: number,
    phase: 'enter' | 'exit',
    names: Set<string>,
    positive = false,
  ): number | undefined => {
    const list = lists.get(pid)!;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]! <= after) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < list.length; k++) {
      const e = events[list[k]!]!;
      if (e.phase === phase && names.has(e.name) && (!positive || e.ret > 0)) return list[k]!;
    }
    return undefined;
  };
  const out: Array<Record<Segment | 'total', number>> = [];
  const { generator: g, proxy: p, upstream: u } = pids;
  for (const start of lists.get(g)!) {
    const e0 = events[start]!;
    if (e0.phase !== 'enter' || !WRITES.has(e0.name)) continue;
    const steps: number[] = [start];
    // Each step is searched after step `from` (by default the one before): the upstream and the
    // generator are woken from inside the proxy's write, so they are looked for after its start.
    // A wake-up is an epoll wait that returned events: Node polls once with a zero timeout
    // before it blocks, and that empty return is no wake-up.
    const add = (
      pid: number,
      phase: 'enter' | 'exit',
      names: Set<string>,
      positive = false,
      from = steps.length - 1,
    ): boolean => {
      const at = next(pid, steps[from]!, phase, names, positive);
      if (at === undefined) return false;
      steps.push(at);
      return true;
    };
    const ok =
      add(p, 'exit', WAITS, true) && // 1
      add(p, 'exit', READS, true) && // 2
      add(p, 'enter', WRITES) && // 3
      add(p, 'exit', WRITES) && // 4
      add(u, 'exit', WAITS, true, 3) && // 5
      add(u, 'enter', WRITES) && // 6
      add(p, 'exit', WAITS, true) && // 7
      add(p, 'exit', READS, true) && // 8
      add(p, 'enter', WRITES) && // 9
      add(p, 'exit', WRITES) && // 10
      add(g, 'exit', WAITS, true, 9); // 11
    if (!ok) break; // the trace ended inside this request: later ones cannot complete either
    const t = steps.map((i) => events[i]!.timeUs);
    const upstreamWake = t[5]! - t[3]!;
    const row = {
      wakeProxy: t[1]! - t[0]!,
      proxyRead: t[2]! - t[1]!,
      proxyRequestWork: t[3]! - t[2]!,
      writeUpstream: t[4]! - t[3]!,
      wakeUpstream: upstreamWake,
      upstreamWork: t[6]! - t[5]!,
      wakeProxyAgain: t[7]! - t[6]!,
      proxyReadResponse: t[8]! - t[7]!,
      proxyResponseWork: t[9]! - t[8]!,
      writeDownstream: t[10]! - t[9]!,
      wakeGenerator: t[11]! - t[9]!,
      total: t[11]! - t[0]!,
    };
    if (Object.values(row).some((v) => v < 0) || row.total > maxTotalUs) continue;
    out.push(row);
  }
  return out;
}

// How busy the machine was with other people's work during a measurement. The benchmark shares
// its 2 cores with whatever else runs (other sessions' tests, package installs); their CPU time
// distorts throughput and tail latency. We read /proc/stat (all CPU time) and /proc/<pid>/stat of
// every process in our own process groups, and report the difference as "foreign" CPU.
import { readdir, readFile } from 'node:fs/promises';

export interface CpuTotals {
  /** Jiffies spent busy (everything but idle and iowait), all cores. */
  busy: number;
  /** All jiffies, all cores. */
  total: number;
}

/** The aggregate `cpu` line of /proc/stat. */
export function parseProcStat(text: string): CpuTotals | undefined {
  const line = /^cpu\s+([\d\s]+)$/m.exec(text);
  if (!line) return undefined;
  const f = line[1]!.trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal (guest fields are already in user/nice)
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

export interface PidStat {
  pgrp: number;
  /** utime + stime */
  jiffies: number;
  /** cutime + cstime: children this process has waited for (wrk and the latency generator). */
  childJiffies: number;
}

/** Process group and CPU jiffies from /proc/<pid>/stat. */
export function parsePidStat(text: string): PidStat | undefined {
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = text.slice(close + 2).split(' ');
  // f[0] = state (field 3); pgrp is field 5, utime 14, stime 15, cutime 16, cstime 17.
  const pgrp = Number(f[2]);
  const jiffies = Number(f[11]) + Number(f[12]);
  const childJiffies = Number(f[13]) + Number(f[14]);
  return [pgrp, jiffies, childJiffies].every(Number.isFinite) ? { pgrp, jiffies, childJiffies } : undefined;
}

export interface CpuSample {
  machine: CpuTotals;
  /**
   * Jiffies of our own processes: this process with the children it has reaped (short-lived load
   * generators end up there), and every live member of `groups` (the servers).
   */
  own: number;
}

/** Reads the machine's and our processes' CPU time; undefined where /proc is not available. */
export async function sampleCpu(groups: ReadonlySet<number>): Promise<CpuSample | undefined> {
  let machine: CpuTotals | undefined;
  try {
    machine = parseProcStat(await readFile('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
  if (!machine) return undefined;
  let own = 0;
  for (const [pid, stat] of await processStats()) {
    if (pid === process.pid) own += stat.jiffies + stat.childJiffies;
    else if (groups.has(stat.pgrp)) own += stat.jiffies;
  }
  return { machine, own };
}

/** Every process's /proc/<pid>/stat, by pid; processes that exit meanwhile are skipped. */
async function processStats(): Promise<[number, PidStat][]> {
  const out: [number, PidStat][] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: PidStat | undefined;
    try {
      stat = parsePidStat(await readFile(`/proc/${name}/stat`, 'utf8'));
    } catch {
      continue; // exited meanwhile
    }
    if (stat) out.push([Number(name), stat]);
  }
  return out;
}

/**
 * Share of the machine's capacity (0..1) used by processes that are not ours between two samples.
 * A group member of ours that exited unreaped by us (an nginx worker) would be missed and
 * overstate foreign use; none does during a measurement. Clamped to 0..1.
 */
export function foreignShare(before: CpuSample, after: CpuSample): number {
  const total = after.machine.total - before.machine.total;
  if (total <= 0) return 0;
  const busy = after.machine.busy - before.machine.busy;
  const own = after.own - before.own;
  return Math.max(0, Math.min(1, (busy - own) / total));
}

/** Microseconds in a jiffy of /proc/<pid>/stat (USER_HZ is 100 on Linux). */
export const JIFFY_US = 10_000;

/**
 * CPU time (jiffies, user + system, all threads) of the processes in process group `pgrp`: a
 * benchmark target and its workers (nginx's master and worker). Processes that exited are missed;
 * none does during a measurement.
 */
export async function groupJiffies(pgrp: number): Promise<number> {
  let total = 0;
  for (const [, stat] of await processStats()) if (stat.pgrp === pgrp) total += stat.jiffies;
  return total;
}

// Two servers loaded at the same time on the proxy core, each under its own wrk: the CPU each
// takes per request over the same seconds (utime + stime of its process group, before and after).
// On a VM whose speed moves by a third within seconds, separate runs compare moments as much as
// servers; loaded at once, both see the same machine. bench:proxy's paired line and bench:proxy-ab
// both measure this way.
import { type ChildSet, groupJiffies, JIFFY_US, parseWrkOutput, wrkArgs } from '../lib/index.ts';
import { CPU, type RunningServer } from './targets.ts';

/** Requests wrk completed against 127.0.0.1:port; an error when wrk failed or saw errors. */
export async function wrkRequests(
  children: ChildSet,
  port: number,
  durationS: number,
  connections: number,
): Promise<number> {
  const args = wrkArgs({ url: `http://127.0.0.1:${port}/`, threads: 1, connections, durationS });
  const parsed = parseWrkOutput(await children.run('wrk', 'wrk', args, { cpu: CPU.loadAndUpstream }));
  if (typeof parsed === 'string') throw new Error(parsed);
  if (parsed.non2xx3xx > 0 || parsed.socketErrors > 0)
    throw new Error(`port ${port}: ${parsed.non2xx3xx} non-2xx/3xx, ${parsed.socketErrors} socket errors`);
  if (parsed.requests <= 0) throw new Error(`port ${port}: no requests completed`);
  return parsed.requests;
}

export interface PairedCpu {
  /** CPU µs per request of `a`, of `b`. */
  aUs: number;
  bUs: number;
}

/** One round: `a` and `b` under load at once for `durationS`; CPU µs per request of each. */
export async function loadedAtOnce(
  children: ChildSet,
  a: RunningServer,
  b: RunningServer,
  durationS: number,
  connections: number,
): Promise<PairedCpu> {
  const [a0, b0] = await Promise.all([groupJiffies(a.child.pid), groupJiffies(b.child.pid)]);
  const [na, nb] = await Promise.all([
    wrkRequests(children, a.port, durationS, connections),
    wrkRequests(children, b.port, durationS, connections),
  ]);
  const [a1, b1] = await Promise.all([groupJiffies(a.child.pid), groupJiffies(b.child.pid)]);
  return { aUs: ((a1 - a0) * JIFFY_US) / na, bUs: ((b1 - b0) * JIFFY_US) / nb };
}

// One target's wrk turns in a bench:proxy round (one target at a time, the order from
// ../lib's turnOrder) summed into one result. Pure, so the sums are tested without wrk.
import { JIFFY_US, type WrkResult } from '../lib/index.ts';

/** One target's wrk turns so far. */
export interface TurnsTotal {
  requests: number;
  /** Seconds wrk measured over (requests / requests per second of each turn). */
  seconds: number;
  non2xx3xx: number;
  socketErrors: number;
  /** The target's own CPU over its turns, in jiffies. */
  jiffies: number;
  /** The first failed turn's error: the target's round then has no result. */
  error: string | undefined;
}

export function newTurnsTotal(): TurnsTotal {
  return { requests: 0, seconds: 0, non2xx3xx: 0, socketErrors: 0, jiffies: 0, error: undefined };
}

/** Adds one turn: wrk's result and the jiffies the target used during it. */
export function addTurn(total: TurnsTotal, w: WrkResult | { error: string }, jiffies: number): void {
  if (total.error !== undefined) return;
  if ('error' in w) {
    total.error = w.error;
    return;
  }
  total.requests += w.requests;
  if (w.requestsPerSec > 0) total.seconds += w.requests / w.requestsPerSec;
  total.non2xx3xx += w.non2xx3xx;
  total.socketErrors += w.socketErrors;
  total.jiffies += jiffies;
}

/**
 * The turns as one wrk result — requests over the seconds measured, not a mean of the turns' rates
 * — and the target's CPU µs per request (undefined when `cpu` is false: direct's process is the
 * upstream's).
 */
export function turnsResult(
  total: TurnsTotal,
  cpu: boolean,
): { wrk: WrkResult | { error: string }; cpuUs: number | undefined } {
  if (total.error !== undefined) return { wrk: { error: total.error }, cpuUs: undefined };
  const wrk: WrkResult = {
    requestsPerSec: total.seconds > 0 ? total.requests / total.seconds : 0,
    requests: total.requests,
    non2xx3xx: total.non2xx3xx,
    socketErrors: total.socketErrors,
  };
  const cpuUs = cpu && total.requests > 0 ? (total.jiffies * JIFFY_US) / total.requests : undefined;
  return { wrk, cpuUs };
}

// Timeouts on the request path without a setTimeout/clearTimeout per request. Deadlines are plain
// numbers (performance.now() milliseconds) in one per-process list, checked by a single unref'd
// timer armed for the earliest of them; adding a later deadline than the armed one, or removing
// one, touches no timer at all. Idle timeouts are activity counters the check looks at, so
// activity never re-arms anything.
import { performance } from 'node:perf_hooks';
import { monoNow } from '../event-clock/index.ts';

/**
 * A deadline in the wheel. `fire` runs once when it passes, unless removed first. An interface,
 * not a base class: V8 builds a derived class's instance through a slower constructor path
 * (super()) than a plain one's, and IdleTimer and a connection's stream deadline are both made
 * per connection.
 */
export interface Deadline {
  /** performance.now() ms at which it fires. */
  at: number;
  /** Index in the wheel's list; -1 when not scheduled. */
  slot: number;
  fire(now: number): void;
}

export function isScheduled(d: Deadline): boolean {
  return d.slot >= 0;
}

const items: Deadline[] = [];
let timer: NodeJS.Timeout | undefined;
/** When the armed timer fires (Infinity when none is armed). */
let timerAt = Number.POSITIVE_INFINITY;

function arm(at: number, now: number): void {
  if (timer !== undefined) clearTimeout(timer);
  timerAt = at;
  timer = setTimeout(tick, Math.max(1, Math.ceil(at - now)));
  timer.unref();
}

function tick(): void {
  timer = undefined;
  timerAt = Number.POSITIVE_INFINITY;
  const now = performance.now();
  let due: Deadline[] | undefined;
  let dueAt: number[] | undefined;
  let next = Number.POSITIVE_INFINITY;
  for (let i = 0; i < items.length; ) {
    const d = items[i]!;
    if (d.at <= now) {
      removeAt(i);
      (due ??= []).push(d);
      (dueAt ??= []).push(d.at);
      continue; // the last item moved into slot i
    }
    if (d.at < next) next = d.at;
    i++;
  }
  if (next !== Number.POSITIVE_INFINITY && next < timerAt) arm(next, now);
  if (due === undefined) return;
  for (let k = 0; k < due.length; k++) {
    const d = due[k]!;
    // An earlier callback of this tick may have unscheduled or rescheduled it (a connection's
    // timers pass from a finished stream to the next): that entry is no longer due.
    if (d.slot === -1 && d.at === dueAt![k]) d.fire(now);
  }
}

function removeAt(i: number): void {
  const d = items[i]!;
  const last = items.pop()!;
  if (last !== d) {
    items[i] = last;
    last.slot = i;
  }
  d.slot = -1;
}

/** Schedules (or moves) `d` to fire `ms` after `now`. */
export function schedule(d: Deadline, ms: number, now: number = monoNow()): void {
  const at = now + ms;
  d.at = at;
  if (d.slot < 0) {
    d.slot = items.length;
    items.push(d);
  }
  if (at < timerAt) arm(at, now);
}

/** Takes `d` out of the wheel; if it was collected as due in the running tick, it will not fire. */
export function unschedule(d: Deadline): void {
  if (d.slot >= 0) removeAt(d.slot);
  d.at = Number.NaN;
}

/** What an IdleTimer calls when it expires (no closure per timer). */
export interface IdleOwner {
  onIdleTimeout(): void;
}

/** Quiet checks in a row that make an idle timeout (a check every ms / QUIET_CHECKS). */
const QUIET_CHECKS = 4;

/**
 * A cheap idle timer: activity bumps a counter instead of re-arming anything. The wheel looks at
 * the counter every ms/4; four quiet checks in a row fire it, so it fires between ms and 1.25·ms
 * after the last activity, which is the precision an idle timeout needs.
 */
export class IdleTimer implements Deadline {
  at = 0;
  slot = -1;
  private activity = 0;
  private seen = 0;
  private quiet = 0;
  private step: number;
  private readonly owner: IdleOwner;

  constructor(ms: number, owner: IdleOwner) {
    this.step = ms / QUIET_CHECKS;
    this.owner = owner;
    if (ms > 0) schedule(this, this.step);
  }

  fire(now: number): void {
    // Disabled meanwhile (a stream with no idle timeout took the timer over): nothing to count.
    if (this.step <= 0) return;
    if (this.activity !== this.seen) {
      this.seen = this.activity;
      this.quiet = 0;
    } else if (++this.quiet >= QUIET_CHECKS) {
      this.owner.onIdleTimeout();
      return;
    }
    schedule(this, this.step, now);
  }

  touch(): void {
    this.activity++;
  }

  /** Starts counting again from now (an owner that was busy when the timer fired). */
  restart(): void {
    if (this.step <= 0) return;
    this.quiet = 0;
    this.seen = this.activity;
    schedule(this, this.step);
  }

  clear(): void {
    unschedule(this);
  }

  /** Counts from now again, to `ms` (0 disables it): a timer reused for the next stream. */
  restartWith(ms: number): void {
    // Same timeout: counting starts over from now; a timer still in the wheel only moves its
    // next check (schedule() re-adds nothing), so it fires ms to 1.25·ms after the last activity.
    if (ms / QUIET_CHECKS === this.step) this.restart();
    else this.changeTimeout(ms);
  }

  /** Counts to a new timeout from now (0 disables it): a route's idle_timeout. */
  changeTimeout(ms: number): void {
    unschedule(this);
    this.step = ms / QUIET_CHECKS;
    this.quiet = 0;
    this.seen = this.activity;
    if (ms > 0) schedule(this, this.step);
  }
}

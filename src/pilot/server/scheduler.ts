// Pilot's push debounce, as Istio's (PILOT_DEBOUNCE_AFTER / PILOT_DEBOUNCE_MAX): config and
// workload changes are batched into push cycles. A cycle starts once nothing changed for `afterMs`,
// or at the latest `maxMs` after the batch's first change, so a burst of edits (a directory of
// files, a runtime starting ten pods) costs one rebuild and one push, and a steady stream of
// changes still pushes. This is the only debounce between a change and a push: the ADS server
// pushes as soon as the cycle tells it to.

export interface ScheduleOptions {
  /** Quiet period: a cycle runs once no change has come for this long (Istio: 100 ms). */
  afterMs: number;
  /** Longest a change waits: a cycle runs this long after its batch's first change (Istio: 10 s). */
  maxMs: number;
}

export const DEFAULT_SCHEDULE: ScheduleOptions = { afterMs: 100, maxMs: 10_000 };

/** Time and timers, injectable so the schedule can be tested on a fake clock. */
export interface SchedulerClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  setTimer(run: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const REAL_CLOCK: SchedulerClock = {
  now: () => performance.now(),
  setTimer: (run, ms) => setTimeout(run, ms),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class PushScheduler {
  private readonly options: ScheduleOptions;
  private readonly run: (firstChangeAt: number) => void;
  private readonly clock: SchedulerClock;
  private timer: unknown;
  private pending = false;
  private firstAt = 0;

  constructor(
    options: ScheduleOptions,
    run: (firstChangeAt: number) => void,
    clock: SchedulerClock = REAL_CLOCK,
  ) {
    this.options = options;
    this.run = run;
    this.clock = clock;
  }

  /** Notes a change; the cycle runs after the quiet period (the clock's time of the first change passed). */
  changed(): void {
    const now = this.clock.now();
    if (!this.pending) {
      this.pending = true;
      this.firstAt = now;
    } else this.clock.clearTimer(this.timer);
    const delay = Math.max(0, Math.min(this.options.afterMs, this.firstAt + this.options.maxMs - now));
    this.timer = this.clock.setTimer(() => this.flush(), delay);
  }

  /** Runs a pending cycle now. */
  flush(): void {
    if (!this.pending) return;
    this.clock.clearTimer(this.timer);
    this.pending = false;
    this.timer = undefined;
    this.run(this.firstAt);
  }

  cancel(): void {
    if (this.pending) this.clock.clearTimer(this.timer);
    this.pending = false;
    this.timer = undefined;
  }
}

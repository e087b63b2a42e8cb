// Batches config and workload changes into push cycles, as Istio's debounce does: a cycle starts
// once nothing changed for `afterMs`, or at the latest `maxMs` after the batch's first change, so a
// burst of edits (a directory of files, a runtime starting ten pods) costs one rebuild and one push.

export interface ScheduleOptions {
  afterMs: number;
  maxMs: number;
}

export const DEFAULT_SCHEDULE: ScheduleOptions = { afterMs: 100, maxMs: 10_000 };

export class PushScheduler {
  private readonly options: ScheduleOptions;
  private readonly run: (firstChangeAt: number) => void;
  private timer: NodeJS.Timeout | undefined;
  private firstAt = 0;

  constructor(options: ScheduleOptions, run: (firstChangeAt: number) => void) {
    this.options = options;
    this.run = run;
  }

  /** Notes a change; the cycle runs after the quiet period (performance.now() of the first change passed). */
  changed(): void {
    const now = performance.now();
    if (this.timer === undefined) this.firstAt = now;
    else clearTimeout(this.timer);
    const delay = Math.max(0, Math.min(this.options.afterMs, this.firstAt + this.options.maxMs - now));
    this.timer = setTimeout(() => this.flush(), delay);
  }

  /** Runs a pending cycle now. */
  flush(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.run(this.firstAt);
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

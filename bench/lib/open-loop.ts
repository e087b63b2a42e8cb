// The accounting of an open-loop load test, free of I/O so it can be tested with a fake clock.
//
// Request i has an intended send time start + i/rate, fixed before the run begins. A request whose
// time has come waits in a FIFO until a connection is free; its latency is measured from its
// intended time, not from when it was actually written. A slow response therefore shows up in the
// latency of every request it delayed instead of silently lowering the sending rate ("coordinated
// omission", which closed-loop tools such as wrk suffer from). How late the generator itself was
// (send lag = actual write − intended time) is recorded separately so its error can be judged.

export interface OpenLoopPlan {
  /** Requests per second. */
  rate: number;
  /** Length of the sending schedule in milliseconds. */
  durationMs: number;
}

export class OpenLoopSchedule {
  readonly total: number;
  readonly intervalMs: number;
  readonly startMs: number;
  /** Index of the next request not yet released into the queue. */
  #next = 0;
  /** Intended send times of released requests that no connection has taken yet (FIFO). */
  #queue: number[] = [];
  #queueHead = 0;
  readonly latencyMs: Float64Array;
  readonly sendLagMs: Float64Array;
  /** Response time from the actual write (excludes queueing and send lag): for diagnosis only. */
  readonly serviceMs: Float64Array;
  completed = 0;
  sent = 0;
  errors = 0;
  readonly statusCounts = new Map<number, number>();

  constructor(plan: OpenLoopPlan, startMs: number) {
    if (!(plan.rate > 0)) throw new RangeError(`rate must be positive, got ${plan.rate}`);
    if (!(plan.durationMs > 0)) throw new RangeError(`duration must be positive, got ${plan.durationMs}`);
    this.total = Math.round((plan.rate * plan.durationMs) / 1000);
    this.intervalMs = 1000 / plan.rate;
    this.startMs = startMs;
    this.latencyMs = new Float64Array(this.total);
    this.sendLagMs = new Float64Array(this.total);
    this.serviceMs = new Float64Array(this.total);
  }

  intendedTime(i: number): number {
    return this.startMs + i * this.intervalMs;
  }

  /** Moves every request due by `nowMs` into the wait queue; returns how many were released. */
  release(nowMs: number): number {
    let n = 0;
    while (this.#next < this.total && this.intendedTime(this.#next) <= nowMs) {
      this.#queue.push(this.intendedTime(this.#next));
      this.#next++;
      n++;
    }
    return n;
  }

  /** When the next unreleased request is due, or undefined once all are released. */
  nextDueTime(): number | undefined {
    return this.#next < this.total ? this.intendedTime(this.#next) : undefined;
  }

  get queued(): number {
    return this.#queue.length - this.#queueHead;
  }

  /** Takes the oldest waiting request for sending at `nowMs`; returns its intended time. */
  take(nowMs: number): number | undefined {
    if (this.#queueHead >= this.#queue.length) return undefined;
    const intended = this.#queue[this.#queueHead++]!;
    if (this.#queueHead > 4096 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
    this.sendLagMs[this.sent++] = nowMs - intended;
    return intended;
  }

  /** A response for the request intended at `intended` and written at `sentMs` finished at `nowMs`. */
  complete(intended: number, sentMs: number, nowMs: number, status: number): void {
    this.serviceMs[this.completed] = nowMs - sentMs;
    this.latencyMs[this.completed++] = nowMs - intended;
    this.statusCounts.set(status, (this.statusCounts.get(status) ?? 0) + 1);
  }

  /** A sent request failed (connection error or bad framing): counted, no latency recorded. */
  fail(): void {
    this.errors++;
  }

  /** All requests released, sent and answered or failed. */
  get finished(): boolean {
    return this.#next === this.total && this.queued === 0 && this.completed + this.errors === this.sent;
  }

  /** Requests that never got an answer (still queued or in flight when the run was cut off). */
  get unanswered(): number {
    return this.total - this.completed - this.errors;
  }
}

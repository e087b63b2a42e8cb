// Reconnect delays: exponential from `initialMs` to `maxMs`, each drawn at random from the upper
// half of the current step so that proxies cut off together do not come back together.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** A source of numbers in [0, 1); tests pass a fixed one. */
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;
  private attempt = 0;

  constructor(options: BackoffOptions) {
    this.initialMs = options.initialMs;
    this.maxMs = Math.max(options.initialMs, options.maxMs);
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt; each call doubles the ceiling up to maxMs. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(ceiling / 2 + this.random() * (ceiling / 2));
  }

  /** After a successful exchange, start again from initialMs. */
  reset(): void {
    this.attempt = 0;
  }
}

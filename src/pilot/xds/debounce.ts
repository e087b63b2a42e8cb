// Istio's push debounce: a push waits until no change has arrived for `afterMs`
// (PILOT_DEBOUNCE_AFTER, 100 ms) but never longer than `maxMs` after the first change of the batch
// (PILOT_DEBOUNCE_MAX, 10 s), so a burst of edits costs one push and a steady trickle still pushes.

export interface DebounceOptions {
  afterMs: number;
  maxMs: number;
}

export const DEFAULT_DEBOUNCE: DebounceOptions = { afterMs: 100, maxMs: 10_000 };

/** Which proxies a batch of changes concerns; `undefined` means every proxy. */
export type Scope<P> = ((proxy: P) => boolean) | undefined;

export class Debouncer<P> {
  private readonly options: DebounceOptions;
  private readonly fire: (scope: Scope<P>) => void;
  private timer: NodeJS.Timeout | undefined;
  private firstAt = 0;
  private all = false;
  private scopes: ((proxy: P) => boolean)[] = [];

  constructor(options: DebounceOptions, fire: (scope: Scope<P>) => void) {
    this.options = options;
    this.fire = fire;
  }

  trigger(scope?: (proxy: P) => boolean): void {
    const now = performance.now();
    if (this.timer === undefined) this.firstAt = now;
    else clearTimeout(this.timer);
    if (scope) this.scopes.push(scope);
    else this.all = true;
    const untilMax = this.firstAt + this.options.maxMs - now;
    const delay = Math.max(0, Math.min(this.options.afterMs, untilMax));
    this.timer = setTimeout(() => this.flush(), delay);
    this.timer.unref();
  }

  /** Runs a pending batch now (used on shutdown paths and by tests that need determinism). */
  flush(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const scopes = this.scopes;
    const all = this.all;
    this.scopes = [];
    this.all = false;
    this.fire(all ? undefined : (proxy: P) => scopes.some((s) => s(proxy)));
  }

  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.scopes = [];
    this.all = false;
  }
}

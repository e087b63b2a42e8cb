// A cheap idle timer: activity bumps a counter instead of re-arming a timer on every chunk; when
// the timer fires it re-arms if there was activity since. Fires between ms and 2·ms after the
// last activity, which is the precision an idle timeout needs.
export class IdleTimer {
  private timer: NodeJS.Timeout | undefined;
  private activity = 0;
  private seen = 0;

  constructor(ms: number, onIdle: () => void) {
    if (ms <= 0) return;
    this.timer = setTimeout(() => {
      if (this.activity !== this.seen) {
        this.seen = this.activity;
        this.timer?.refresh();
        return;
      }
      this.timer = undefined;
      onIdle();
    }, ms);
    this.timer.unref();
  }

  touch(): void {
    this.activity++;
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

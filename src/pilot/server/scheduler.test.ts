import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseYaml } from '../../api/index.ts';
import { startPilot } from './pilot.ts';
import { DEFAULT_SCHEDULE, PushScheduler, type SchedulerClock } from './scheduler.ts';

/** A clock that moves only when told to, firing due timers in time order. */
class FakeClock implements SchedulerClock {
  private time = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; run: () => void }>();

  now(): number {
    return this.time;
  }
  setTimer(run: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + ms, run });
    return id;
  }
  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Moves time forward by `ms`, running each timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { at: number; run: () => void }] | undefined;
      for (const entry of this.timers)
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].run();
    }
    this.time = end;
  }
  get pendingTimers(): number {
    return this.timers.size;
  }
}

function scheduled(options = DEFAULT_SCHEDULE) {
  const clock = new FakeClock();
  const cycles: { at: number; firstChangeAt: number }[] = [];
  const scheduler = new PushScheduler(
    options,
    (firstChangeAt) => cycles.push({ at: clock.now(), firstChangeAt }),
    clock,
  );
  return { clock, cycles, scheduler };
}

test("the defaults are Istio's PILOT_DEBOUNCE_AFTER 100 ms and PILOT_DEBOUNCE_MAX 10 s", () => {
  assert.deepEqual(DEFAULT_SCHEDULE, { afterMs: 100, maxMs: 10_000 });
  const { clock, cycles, scheduler } = scheduled();
  scheduler.changed();
  clock.advance(99);
  assert.equal(cycles.length, 0, 'not before the 100 ms quiet period');
  clock.advance(1);
  assert.deepEqual(cycles, [{ at: 100, firstChangeAt: 0 }]);
});

test('changes within the quiet period coalesce into one cycle, run a quiet period after the last', () => {
  const { clock, cycles, scheduler } = scheduled();
  scheduler.changed();
  clock.advance(60);
  scheduler.changed();
  clock.advance(60);
  scheduler.changed();
  clock.advance(99);
  assert.equal(cycles.length, 0, 'each change restarts the quiet period');
  clock.advance(1);
  assert.deepEqual(cycles, [{ at: 220, firstChangeAt: 0 }], 'one cycle, told when its batch began');
  assert.equal(clock.pendingTimers, 0);
  // The next change starts a new batch of its own.
  scheduler.changed();
  clock.advance(100);
  assert.deepEqual(cycles[1], { at: 320, firstChangeAt: 220 });
});

test('a steady stream of changes still runs a cycle by the max delay, then starts a new batch', () => {
  const { clock, cycles, scheduler } = scheduled();
  // A change every 50 ms, never quiet for 100 ms, for 25 s.
  for (let t = 0; t < 25_000; t += 50) {
    scheduler.changed();
    clock.advance(50);
  }
  assert.deepEqual(
    cycles.map((c) => c.at),
    [10_000, 20_000],
    'one cycle per 10 s of continuous change, at the max',
  );
  assert.equal(cycles[0]!.firstChangeAt, 0);
  assert.equal(cycles[1]!.firstChangeAt, 10_000, 'the first change after a cycle starts the next batch');
  clock.advance(100);
  assert.equal(cycles.length, 3, 'the stream stopping flushes what is left after the quiet period');
});

test('flush runs a pending cycle at once and only once; cancel drops it', () => {
  const { clock, cycles, scheduler } = scheduled();
  scheduler.flush();
  assert.equal(cycles.length, 0, 'nothing pending, nothing run');
  scheduler.changed();
  clock.advance(10);
  scheduler.flush();
  assert.deepEqual(cycles, [{ at: 10, firstChangeAt: 0 }]);
  clock.advance(1000);
  assert.equal(cycles.length, 1, 'the flushed cycle does not run again');
  scheduler.changed();
  scheduler.cancel();
  clock.advance(1000);
  assert.equal(cycles.length, 1);
});

test('pilot debounces with the defaults: a burst of applies is one push cycle, no sooner than 100 ms', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-schedule-'));
  const lines: string[] = [];
  const pilot = await startPilot({ configDir: dir, xdsPort: 0, httpPort: 0, log: (l) => lines.push(l) });
  t.after(async () => {
    await pilot.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const cycles = () => lines.filter((l) => l.startsWith('pilot: push config'));
  const vs = (name: string) =>
    parseYaml(
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: ${name}}\n` +
        `spec: {hosts: [${name}], http: [{route: [{destination: {host: ${name}}}]}]}\n`,
      '-',
    ).docs;
  const firstAt = performance.now();
  for (const name of ['a', 'b', 'c']) pilot.source.apply(vs(name));
  const version = pilot.store.snapshot().version;
  const deadline = performance.now() + 5000;
  while (cycles().length === 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const elapsed = performance.now() - firstAt;
  assert.equal(cycles().length, 1, cycles().join('\n'));
  assert.match(
    cycles()[0]!,
    new RegExp(`^pilot: push config v${version} `),
    'the one cycle carries all three',
  );
  // Timers never fire early, so the quiet period is a hard lower bound; the upper one is generous.
  assert.ok(elapsed >= 100, `pushed ${elapsed.toFixed(0)} ms after the first change`);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(cycles().length, 1, 'no further cycle without a further change');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpenLoopSchedule } from './open-loop.ts';

test('the schedule releases requests at start + i/rate, whatever the caller’s timing', () => {
  const s = new OpenLoopSchedule({ rate: 1000, durationMs: 10 }, 100);
  assert.equal(s.total, 10);
  assert.equal(s.release(99.9), 0);
  assert.equal(s.release(100), 1); // request 0 at t=100
  assert.equal(s.release(103.5), 3); // 101, 102, 103
  assert.equal(s.nextDueTime(), 104);
  assert.equal(s.release(1000), 6); // a late tick releases everything due, never more than total
  assert.equal(s.nextDueTime(), undefined);
  assert.equal(s.queued, 10);
});

test('latency is measured from the intended time, so queueing behind a stall is counted', () => {
  const s = new OpenLoopSchedule({ rate: 1000, durationMs: 3 }, 0);
  // One connection. Request 0 is sent on time and takes 5 ms (a stall); 1 and 2 wait for it.
  s.release(0);
  const i0 = s.take(0)!;
  s.release(5);
  s.complete(i0, 0, 5, 200);
  const i1 = s.take(5)!;
  s.complete(i1, 5, 5.5, 200);
  const i2 = s.take(5.5)!;
  s.complete(i2, 5.5, 6, 200);
  assert.deepEqual([...s.latencyMs], [5, 4.5, 4]); // from 0, 1, 2 ms
  assert.deepEqual([...s.sendLagMs], [0, 4, 3.5]);
  assert.deepEqual([...s.serviceMs], [5, 0.5, 0.5]); // what a closed-loop tool would have seen
  assert.ok(s.finished);
  assert.equal(s.unanswered, 0);
});

test('errors and unanswered requests are accounted for; statuses are counted', () => {
  const s = new OpenLoopSchedule({ rate: 100, durationMs: 50 }, 0); // 5 requests
  s.release(50);
  const a = s.take(50)!;
  s.take(50);
  s.complete(a, 50, 51, 503);
  s.fail();
  assert.equal(s.queued, 3);
  assert.equal(s.finished, false);
  assert.equal(s.unanswered, 3);
  assert.equal(s.statusCounts.get(503), 1);
  assert.equal(s.completed + s.errors + s.unanswered, s.total);
});

test('the wait queue stays FIFO across its internal compaction', () => {
  const s = new OpenLoopSchedule({ rate: 1000, durationMs: 10_000 }, 0);
  s.release(10_000);
  for (let i = 0; i < 10_000; i++) assert.equal(s.take(10_000), i);
  assert.equal(s.take(10_000), undefined);
});

test('a non-positive rate or duration is rejected', () => {
  assert.throws(() => new OpenLoopSchedule({ rate: 0, durationMs: 10 }, 0), /rate must be positive/);
  assert.throws(() => new OpenLoopSchedule({ rate: 10, durationMs: -1 }, 0), /duration must be positive/);
});

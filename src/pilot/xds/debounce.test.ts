import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Debouncer, type Scope } from './debounce.ts';

test('a burst of changes fires once, after the quiet period, with the union of scopes', async () => {
  const fired: Scope<number>[] = [];
  const d = new Debouncer<number>({ afterMs: 30, maxMs: 1000 }, (scope) => fired.push(scope));
  d.trigger((p) => p === 1);
  await sleep(10);
  d.trigger((p) => p === 2);
  await sleep(10);
  assert.equal(fired.length, 0);
  await sleep(60);
  assert.equal(fired.length, 1);
  const scope = fired[0]!;
  assert.ok(scope);
  assert.deepEqual([1, 2, 3].map(scope), [true, true, false]);
});

test('an unscoped change makes the batch apply to every proxy', () => {
  const fired: Scope<number>[] = [];
  const d = new Debouncer<number>({ afterMs: 1000, maxMs: 1000 }, (scope) => fired.push(scope));
  d.trigger((p) => p === 1);
  d.trigger();
  d.flush();
  assert.equal(fired.length, 1);
  assert.equal(fired[0], undefined);
  d.flush();
  assert.equal(fired.length, 1, 'nothing pending, nothing fired');
});

test('a steady trickle still fires by the max delay', async () => {
  let fired = 0;
  const d = new Debouncer<number>({ afterMs: 40, maxMs: 100 }, () => fired++);
  const started = performance.now();
  while (fired === 0 && performance.now() - started < 1000) {
    d.trigger();
    await sleep(10);
  }
  d.cancel();
  assert.equal(fired, 1);
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 90 && elapsed < 400, `fired after ${elapsed} ms`);
});

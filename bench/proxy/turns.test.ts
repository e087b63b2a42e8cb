import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JIFFY_US } from '../lib/index.ts';
import { addTurn, newTurnsTotal, turnsResult } from './turns.ts';

test('turns sum to requests over the seconds measured, not a mean of the turns rates', () => {
  const total = newTurnsTotal();
  // 50,000 requests in 1 s, then 30,000 in 0.75 s (40,000 rps): 80,000 in 1.75 s.
  addTurn(total, { requestsPerSec: 50_000, requests: 50_000, non2xx3xx: 0, socketErrors: 1 }, 90);
  addTurn(total, { requestsPerSec: 40_000, requests: 30_000, non2xx3xx: 2, socketErrors: 0 }, 60);
  const { wrk, cpuUs } = turnsResult(total, true);
  assert.ok(!('error' in wrk));
  assert.equal(wrk.requests, 80_000);
  assert.ok(Math.abs(wrk.requestsPerSec - 80_000 / 1.75) < 1e-6, String(wrk.requestsPerSec));
  assert.equal(wrk.non2xx3xx, 2);
  assert.equal(wrk.socketErrors, 1);
  assert.ok(cpuUs !== undefined && Math.abs(cpuUs - (150 * JIFFY_US) / 80_000) < 1e-9);
  // direct: no CPU figure (its process is the upstream's).
  assert.equal(turnsResult(total, false).cpuUs, undefined);
});

test('a failed turn leaves the target without a result for the round, naming the failure', () => {
  const total = newTurnsTotal();
  addTurn(total, { requestsPerSec: 50_000, requests: 50_000, non2xx3xx: 0, socketErrors: 0 }, 90);
  addTurn(total, { error: 'wrk: connection refused' }, 0);
  addTurn(total, { requestsPerSec: 50_000, requests: 50_000, non2xx3xx: 0, socketErrors: 0 }, 90);
  assert.deepEqual(turnsResult(total, true), { wrk: { error: 'wrk: connection refused' }, cpuUs: undefined });
});

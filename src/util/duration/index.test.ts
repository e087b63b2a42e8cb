import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDurationMs } from './index.ts';

describe('parseDurationMs', () => {
  it('reads Go durations', () => {
    assert.equal(parseDurationMs('1.5s'), 1500);
    assert.equal(parseDurationMs('1m30s'), 90_000);
    assert.equal(parseDurationMs('250ms'), 250);
    assert.equal(parseDurationMs('1.5h'), 5_400_000);
    assert.equal(parseDurationMs('500us'), 0.5);
    assert.equal(parseDurationMs('500µs'), 0.5);
    assert.equal(parseDurationMs('.5s'), 500);
    assert.equal(parseDurationMs('1.s'), 1000);
  });
  it('refuses what is not one', () => {
    for (const text of ['', '10', '1x', 's', '.s', '1.5.5s', ' 1s', '-1s']) {
      assert.equal(parseDurationMs(text), undefined, text);
    }
  });
});

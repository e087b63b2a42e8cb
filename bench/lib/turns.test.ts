import assert from 'node:assert/strict';
import { test } from 'node:test';
import { turnOrder } from './turns.ts';

test('turn order rotates by one each cycle: every target goes first once per len cycles', () => {
  const t = ['direct', 'weft', 'nginx'];
  assert.deepEqual(turnOrder(t, 0), ['direct', 'weft', 'nginx']);
  assert.deepEqual(turnOrder(t, 1), ['weft', 'nginx', 'direct']);
  assert.deepEqual(turnOrder(t, 2), ['nginx', 'direct', 'weft']);
  assert.deepEqual(turnOrder(t, 3), t);
});

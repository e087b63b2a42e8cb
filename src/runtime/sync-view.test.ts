import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TypeStatus } from '../pilot/index.ts';
import { syncView } from './sync-view.ts';

function type(t: string, over: Partial<TypeStatus>): TypeStatus {
  return { type: t, typeUrl: t, status: 'SYNCED', resourceNames: [], responsesSent: 1, ...over };
}
const nack = (nonce: string) => ({
  nonce,
  versionKept: '1',
  versionRejected: '2',
  message: 'bad',
  at: new Date(),
});

test('a NACK of the current push is the reason; one of a superseded push is not', () => {
  const lds = type('LDS', { status: 'STALE', nonceSent: 'n2', nonceAcked: 'n0', lastNack: nack('n2') });
  assert.deepEqual(syncView([type('CDS', {}), lds]), { sync: 'STALE', nack: 'bad' });
  const superseded = type('LDS', {
    status: 'STALE',
    nonceSent: 'n3',
    nonceAcked: 'n0',
    lastNack: nack('n2'),
  });
  assert.deepEqual(syncView([type('CDS', {}), superseded]), { sync: 'STALE' });
});

test("'STALE (Never Acknowledged)' is stale; all SYNCED is SYNCED", () => {
  const never = type('CDS', { status: 'STALE (Never Acknowledged)', nonceSent: 'n1' });
  assert.deepEqual(syncView([never, type('LDS', {})]), { sync: 'STALE' });
  assert.deepEqual(syncView([type('CDS', {}), type('LDS', {})]), { sync: 'SYNCED' });
});

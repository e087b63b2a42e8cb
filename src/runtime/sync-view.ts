// How the supervisor reads pilot's proxy-status for one proxy: in sync or not, and the reason a
// proxy gave when it rejected the push it is being asked to run.
import { isStale, type TypeStatus } from '../pilot/index.ts';

export interface SyncView {
  /** 'SYNCED', 'STALE' (any STALE form) or 'NOT SENT'. */
  sync: string;
  /** The proxy's message for a NACK of the current push, if it rejected that push. */
  nack?: string;
}

export function syncView(types: readonly TypeStatus[]): SyncView {
  // Only a NACK of the current push counts: one of an earlier push, superseded by a later push the
  // proxy has not answered yet, says nothing about the config it is now being asked to run.
  const nack = types.find(
    (t) => t.lastNack !== undefined && t.lastNack.nonce === t.nonceSent && isStale(t.status),
  )?.lastNack?.message;
  let sync = 'NOT SENT';
  if (types.some((t) => isStale(t.status))) sync = 'STALE';
  else if (types.filter((t) => t.type === 'CDS' || t.type === 'LDS').every((t) => t.status === 'SYNCED'))
    sync = 'SYNCED';
  return nack === undefined ? { sync } : { sync, nack };
}

// Per proxy and resource type: what was asked for, what was sent, what came back. This is the
// state istioctl proxy-status reads (SYNCED / STALE / NOT SENT) and that decides whether a
// request is an ACK, a NACK, a stale answer or a new subscription.
import { CLUSTER_TYPE, LISTENER_TYPE, TYPE_SHORT_NAMES } from '../../xds/index.ts';

export interface NackRecord {
  nonce: string;
  /** The version the proxy reports it still runs (the last one it accepted). */
  versionKept: string;
  /** The version it rejected. */
  versionRejected: string;
  message: string;
  at: Date;
}

export interface WatchState {
  typeUrl: string;
  /** Subscribed names; empty on a wildcard type (LDS, CDS) means all. */
  names: string[];
  nonceSent?: string;
  versionSent?: string;
  /** Hash of the resources last sent, to skip pushes that would change nothing. */
  hashSent?: string;
  sentAt?: Date;
  nonceAcked?: string;
  versionAcked?: string;
  lastNack?: NackRecord;
  /** A generator failure for this type (a control-plane bug), kept for status. */
  generateError?: string;
}

/** istioctl proxy-status's values: 'STALE (Never Acknowledged)' when nothing sent was ever ACKed. */
export type SyncStatus = 'SYNCED' | 'STALE' | 'STALE (Never Acknowledged)' | 'NOT SENT';

/** Whether a status is one of the STALE forms. */
export function isStale(status: SyncStatus): boolean {
  return status === 'STALE' || status === 'STALE (Never Acknowledged)';
}

/** Types where an empty name list subscribes to everything. */
export function isWildcardType(typeUrl: string): boolean {
  return typeUrl === LISTENER_TYPE || typeUrl === CLUSTER_TYPE;
}

export function syncStatus(watch: WatchState | undefined): SyncStatus {
  if (!watch || watch.nonceSent === undefined) return 'NOT SENT';
  if (watch.nonceAcked === watch.nonceSent) return 'SYNCED';
  return watch.nonceAcked === undefined ? 'STALE (Never Acknowledged)' : 'STALE';
}

export function shortTypeName(typeUrl: string): string {
  return TYPE_SHORT_NAMES[typeUrl] ?? typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
}

export function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  // Every ACK repeats the subscription, almost always in the order it had: check that first, as
  // a Set of 1,000 EDS names per ACK per proxy showed up in push profiles.
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  if (i === a.length) return true;
  const set = new Set(a);
  return b.every((n) => set.has(n));
}

// Renderings of the stats store for the admin server.
import type { StatsStore } from './stats.ts';

export interface StatsRenderOptions {
  /** Only stats whose full name matches (Envoy's ?filter=, an ECMAScript regex here). */
  filter?: RegExp;
  /** Only stats that were ever written (?usedonly). */
  usedOnly?: boolean;
}

export function renderStatsText(_store: StatsStore, _opts: StatsRenderOptions = {}): string {
  throw new Error('renderStatsText: not implemented yet');
}
export function renderStatsJson(_store: StatsStore, _opts: StatsRenderOptions = {}): string {
  throw new Error('renderStatsJson: not implemented yet');
}
export function renderPrometheus(_store: StatsStore, _opts: StatsRenderOptions = {}): string {
  throw new Error('renderPrometheus: not implemented yet');
}

// Istio durations ('1.5s', '500ms', '1m', '1h') as Envoy's canonical JSON duration ('1.500s').
import { parseDurationMs } from '../../util/duration/index.ts';

/** Milliseconds of an Istio duration string; undefined when absent or malformed (validation catches those). */
export function durationMs(text: string | undefined): number | undefined {
  return text ? parseDurationMs(text) : undefined;
}

/** Envoy JSON Duration from milliseconds. */
export function envoyDuration(ms: number): string {
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '') || '0'}s`;
}

/** Converts an Istio duration string straight to Envoy's form (undefined passes through). */
export function toEnvoyDuration(text: string | undefined): string | undefined {
  const ms = durationMs(text);
  return ms === undefined ? undefined : envoyDuration(ms);
}

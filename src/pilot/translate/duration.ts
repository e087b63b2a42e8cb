// Istio durations ('1.5s', '500ms', '1m', '1h') as Envoy's canonical JSON duration ('1.500s').

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds of an Istio duration string; undefined when absent or malformed (validation catches those). */
export function durationMs(text: string | undefined): number | undefined {
  if (!text) return undefined;
  let total = 0;
  let matched = '';
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched += m[0];
  }
  return matched === text ? total : undefined;
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

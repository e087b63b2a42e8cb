// Go-style durations ("10s", "1m30s", "250ms"), because fortio's flags take them and users paste
// fortio command lines. A bare number means seconds.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds for `text`, or undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  if (s === '' || !/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return total;
}

/** A short human form: "59.852ms", "1.5s", "2m3.5s". */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${trim(ms * 1000, 3)}µs`;
  if (ms < 1000) return `${trim(ms, 3)}ms`;
  if (ms < 60_000) return `${trim(ms / 1000, 3)}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m${trim((ms - minutes * 60_000) / 1000, 3)}s`;
}

function trim(n: number, decimals: number): string {
  return String(Number(n.toFixed(decimals)));
}

// Go-style durations ("10s", "1m30s", "250ms"), because fortio's flags take them and users paste
// fortio command lines. A bare number means seconds.
import { parseDurationMs } from '../util/duration/index.ts';

/** Milliseconds for `text`, or undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  return parseDurationMs(s);
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

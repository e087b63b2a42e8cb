// Text forms of google.protobuf.Duration and Timestamp in proto3's canonical JSON mapping:
// durations as seconds with an 's' suffix ("1.5s", "-0.010s"), timestamps as RFC 3339 in UTC.

const NANOS_PER_SECOND = 1_000_000_000n;
/** Duration's documented range: ±315,576,000,000 seconds (10,000 years). */
const MAX_DURATION_SECONDS = 315_576_000_000n;

export interface SecondsNanos {
  seconds: bigint;
  nanos: number;
}

/** Parses "1.5s", "10s", "-0.001s"; undefined when the text is not a valid duration. */
export function parseDuration(text: string): SecondsNanos | undefined {
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!m) return undefined;
  const negative = m[1] === '-';
  const seconds = BigInt(m[2]!);
  if (seconds > MAX_DURATION_SECONDS) return undefined;
  const nanos = m[3] ? Number(m[3].padEnd(9, '0')) : 0;
  return negative ? { seconds: -seconds, nanos: -nanos } : { seconds, nanos };
}

/** "1.500s": 0, 3, 6 or 9 fractional digits, as the canonical mapping prints them. */
export function formatDuration(seconds: bigint, nanos: number): string {
  const negative = seconds < 0n || nanos < 0;
  const total = (seconds < 0n ? -seconds : seconds) * NANOS_PER_SECOND + BigInt(Math.abs(nanos));
  const whole = total / NANOS_PER_SECOND;
  const frac = Number(total % NANOS_PER_SECOND);
  return `${negative ? '-' : ''}${whole}${fraction(frac)}s`;
}

function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const digits = String(nanos).padStart(9, '0');
  if (nanos % 1_000_000 === 0) return '.' + digits.slice(0, 3);
  if (nanos % 1_000 === 0) return '.' + digits.slice(0, 6);
  return '.' + digits;
}

/** Parses an RFC 3339 timestamp ("2024-01-02T03:04:05.5Z", offsets allowed). */
export function parseTimestamp(text: string): SecondsNanos | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return { seconds: BigInt(ms / 1000), nanos: m[2] ? Number(m[2].padEnd(9, '0')) : 0 };
}

export function formatTimestamp(seconds: bigint, nanos: number): string {
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${base}${fraction(nanos)}Z`;
}

// Go durations as Istio's CRDs and fortio's flags accept them ('1s', '0.5s', '.5s', '1m30s',
// '250ms'): one or more decimal numbers, each with a unit (ns, us, µs, ms, s, m, h), no sign.
// One parser, so that what validation accepts is what translation and the load generator read.
// A leaf: it imports nothing from the rest of src/.

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds of a duration string; undefined when it is empty or not a duration (e.g. '10', '1x'). */
export function parseDurationMs(text: string): number | undefined {
  if (text === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const m = PART.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return total;
}

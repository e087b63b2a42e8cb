// /status/<codes>: one code, or a comma list (`200,503`) or weighted list (`200:0.9,503:0.1`) from
// which one is drawn per request — how tutorials produce a chosen mix of failures.

export interface WeightedCode {
  code: number;
  weight: number;
}

/** Parses the codes; undefined when any element is not a valid status (100–599). */
export function parseStatusCodes(spec: string): WeightedCode[] | undefined {
  const out: WeightedCode[] = [];
  for (const part of spec.split(',')) {
    const [codeText, weightText] = part.split(':');
    if (!codeText || !/^\d{3}$/.test(codeText.trim())) return undefined;
    const code = Number(codeText.trim());
    if (code < 100 || code > 599) return undefined;
    const weight = weightText === undefined ? 1 : Number(weightText);
    if (!Number.isFinite(weight) || weight < 0) return undefined;
    out.push({ code, weight });
  }
  return out.length > 0 ? out : undefined;
}

/** Draws one code by weight; `random` is injectable for tests. */
export function chooseStatus(codes: readonly WeightedCode[], random: () => number = Math.random): number {
  const total = codes.reduce((s, c) => s + c.weight, 0);
  if (total <= 0) return codes[0]!.code;
  let r = random() * total;
  for (const c of codes) {
    if (r < c.weight) return c.code;
    r -= c.weight;
  }
  return codes[codes.length - 1]!.code;
}

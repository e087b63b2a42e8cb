// Reading a filter's typed_config / typed_per_filter_config, kept by the decoder as its proto3 JSON
// (snake_case or camelCase field names, wrappers as plain values or {value}).

export type Json = Record<string, unknown>;

/** The object, or undefined for anything else (null, arrays, scalars). */
export function obj(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

/** A field by its snake_case name, also found under its camelCase JSON name. */
export function field(o: Json, snake: string): unknown {
  if (snake in o) return o[snake];
  return o[camel(snake)];
}

export function camel(snake: string): string {
  return snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** type.v3.FractionalPercent as numerator over denominator. */
export interface Percent {
  numerator: number;
  denominator: number;
}

const DENOMINATORS: Record<string, number> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 };
const BY_INDEX = [100, 10_000, 1_000_000];

/** A FractionalPercent; absent means 0 % (the proto default). */
export function fractionalPercent(v: unknown): Percent {
  const o = obj(v);
  if (!o) return { numerator: 0, denominator: 100 };
  const d = o['denominator'];
  const denominator = (typeof d === 'number' ? BY_INDEX[d] : DENOMINATORS[String(d ?? 'HUNDRED')]) ?? 100;
  // Envoy caps the numerator at the denominator.
  return { numerator: Math.min(Number(o['numerator'] ?? 0), denominator), denominator };
}

/** One draw against a FractionalPercent. */
export function hit(p: Percent, random: number): boolean {
  return p.numerator > 0 && random * p.denominator < p.numerator;
}

// Narrowing helpers for the untyped document body. Semantic checks run on documents the schema
// validator may also be rejecting, so every field is read defensively: a value of the wrong type
// reads as absent here (the schema validator reports the type error, once).

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown): Obj | undefined {
  return isObj(v) ? v : undefined;
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function strings(v: unknown): string[] {
  return list(v).filter((x): x is string => typeof x === 'string');
}

/** Entries of a map-valued field (headers, labels, ports…) whose values are objects or scalars. */
export function entries(v: unknown): Array<[string, unknown]> {
  return isObj(v) ? Object.entries(v) : [];
}

export function has(o: Obj, key: string): boolean {
  return o[key] !== undefined && o[key] !== null;
}

// Shapes shared by the JSON <-> protobuf conversions.

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** A protobuf Any on the wire: the type URL and the encoded message. */
export interface AnyMessage {
  type_url: string;
  value: Uint8Array;
}

/** One problem converting a message, at a field path like `filter_chains[0].filters[1].typed_config`. */
export interface ConversionError {
  path: string;
  message: string;
}

export type Conversion<T> = { ok: true; value: T } | { ok: false; errors: ConversionError[] };

export function isJsonObject(value: unknown): value is JsonObject {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/** Appends `.name` or `[i]` to a field path. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** The message name a type URL names: everything after the last '/'. */
export function typeNameOfUrl(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}

// Reading one protobuf message in Envoy's JSON form, the way the decoders need it: every field is
// looked up by its proto (snake_case) name and also by its proto3-JSON (lowerCamelCase) name, so
// both spellings are accepted in one place; scalars are checked and converted (wrapper types as a
// plain value or {value}, Durations as "1.5s" or {seconds, nanos}, enums as names or numbers); every
// problem is recorded with its field path instead of thrown, so one pass reports all of them; and
// `finish` reports each field the decoder did not read and did not list as a no-op, so nothing
// Envoy would act on is silently ignored.

import { readFileSync } from 'node:fs';

export interface DecodeError {
  /** Field path from the resource root, e.g. 'filter_chains[1].filters[0].typed_config.stat_prefix'. */
  path: string;
  /** What is wrong, naming the resource: "Cluster 'x': …" or "unsupported field 'foo' in Cluster 'x'". */
  message: string;
}

/**
 * The errors of a rejected resource as one text, one per line ('path: message'), for a NACK's
 * error_detail or a log line.
 */
export function formatDecodeErrors(errors: readonly DecodeError[]): string {
  return errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('\n');
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; errors: DecodeError[] };

export type Json = Record<string, unknown>;

/** What the errors of one resource share: where they are collected and how the resource is named. */
export class DecodeContext {
  readonly errors: DecodeError[] = [];
  /** How DataSource.filename is read (certificates, CA bundles); replaceable for tests. */
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8');
  /** "Cluster 'outbound|9080||reviews.default.svc.cluster.local'", set once the name is read. */
  resource: string;

  constructor(resource: string) {
    this.resource = resource;
  }

  add(path: string, problem: string): void {
    this.errors.push({ path, message: `${this.resource}: ${problem}` });
  }

  /** A field the decoder neither implements nor lists as a no-op. */
  unsupported(path: string, field: string): void {
    this.errors.push({ path, message: `unsupported field '${field}' in ${this.resource}` });
  }
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base ? `${base}.${key}` : key;
}

/** proto field name → its proto3 JSON name: 'consecutive_5xx' → 'consecutive5xx', 'stat_prefix' → 'statPrefix'. */
export function jsonName(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * A field at its proto3 default (false, 0, '', []) is indistinguishable from an unset one on the
 * wire, and serialisers that emit defaults (proto-loader's `defaults: true`) produce them, so such
 * values never count as "set" when looking for unsupported fields.
 */
function isDefaultValue(v: unknown): boolean {
  return (
    v === null ||
    v === undefined ||
    v === false ||
    v === 0 ||
    v === '' ||
    (Array.isArray(v) && v.length === 0)
  );
}

const UINT32_MAX = 4294967295;

export class MessageReader {
  readonly ctx: DecodeContext;
  readonly path: string;
  private readonly raw: Json;
  private readonly used = new Set<string>();

  constructor(ctx: DecodeContext, path: string, raw: Json) {
    this.ctx = ctx;
    this.path = path;
    this.raw = raw;
  }

  at(field: string | number): string {
    return joinPath(this.path, field);
  }

  error(field: string, problem: string): void {
    this.ctx.add(this.at(field), problem);
  }

  /** The raw value of a field under either spelling, marking it read; null counts as absent. */
  get(field: string): unknown {
    const camel = jsonName(field);
    this.used.add(field);
    this.used.add(camel);
    const snakeValue = this.raw[field];
    const camelValue = camel === field ? undefined : this.raw[camel];
    if (snakeValue !== undefined && snakeValue !== null && camelValue !== undefined && camelValue !== null) {
      this.error(field, `field '${field}' is given twice (as '${field}' and '${camel}')`);
    }
    const v = snakeValue ?? camelValue;
    return v === null ? undefined : v;
  }

  has(field: string): boolean {
    const camel = jsonName(field);
    const v = this.raw[field] ?? this.raw[camel];
    return v !== undefined && v !== null;
  }

  /** The keys as given (for map-like messages such as typed_extension_protocol_options). */
  keys(): string[] {
    return Object.keys(this.raw);
  }

  /** Marks fields as read without looking at them (the no-op allow-lists). */
  ignore(fields: readonly string[]): void {
    for (const f of fields) {
      this.used.add(f);
      this.used.add(jsonName(f));
    }
  }

  str(field: string): string | undefined {
    const v = this.get(field);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') {
      this.error(field, `'${field}' must be a string, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }

  requiredStr(field: string, what = `'${field}'`): string {
    const v = this.str(field);
    if (v === undefined || v === '') {
      if (v === undefined && this.has(field)) return '';
      this.error(field, `${what} is required and must be non-empty`);
      return '';
    }
    return v;
  }

  bool(field: string, fallback: boolean): boolean {
    let v = this.get(field);
    if (v === undefined) return fallback;
    if (isObject(v) && 'value' in v) v = v['value'] ?? false; // google.protobuf.BoolValue
    if (typeof v !== 'boolean') {
      this.error(field, `'${field}' must be a boolean, got ${describe(v)}`);
      return fallback;
    }
    return v;
  }

  /** uint32 / UInt32Value (as a number, a decimal string, or {value}). */
  uint32(field: string, fallback: number, min = 0, max = UINT32_MAX): number {
    const v = this.integer(field, max);
    if (v === undefined) return fallback;
    if (v < min || v > max) {
      this.error(field, `'${field}' must be between ${min} and ${max}, got ${v}`);
      return fallback;
    }
    return v;
  }

  optionalUint32(field: string, min = 0, max = UINT32_MAX): number | undefined {
    const v = this.integer(field, max);
    if (v === undefined) return undefined;
    if (v < min || v > max) {
      this.error(field, `'${field}' must be between ${min} and ${max}, got ${v}`);
      return undefined;
    }
    return v;
  }

  /** int64 / uint64 fields arrive as decimal strings in proto3 JSON, numbers in YAML. */
  int64(field: string, fallback: number): number {
    return this.integer(field, Number.MAX_SAFE_INTEGER) ?? fallback;
  }

  private integer(field: string, max: number): number | undefined {
    let v = this.get(field);
    if (v === undefined) return undefined;
    if (isObject(v) && 'value' in v) v = v['value'] ?? 0;
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) {
      this.error(field, `'${field}' must be an integer, got ${describe(v)}`);
      return undefined;
    }
    if (!Number.isSafeInteger(n) && n > max) return max;
    return n;
  }

  /** google.protobuf.Duration in milliseconds; negative durations are rejected. */
  durationMs(field: string): number | undefined {
    const v = this.get(field);
    if (v === undefined) return undefined;
    const ms = parseDuration(v);
    if (typeof ms === 'string') {
      this.error(field, `'${field}' ${ms}`);
      return undefined;
    }
    if (ms < 0) {
      this.error(field, `'${field}' must not be negative, got ${formatValue(v)}`);
      return undefined;
    }
    return ms;
  }

  /** An enum given by name or number; `names[i]` is the name of value i ('' for gaps). */
  enumValue<T extends string>(field: string, names: readonly (T | '')[], fallback: T): T {
    const v = this.get(field);
    if (v === undefined) return fallback;
    if (typeof v === 'number' && Number.isInteger(v) && names[v]) return names[v] as T;
    if (typeof v === 'string' && v !== '' && names.includes(v as T)) return v as T;
    const allowed = names.filter((n) => n !== '').join(', ');
    this.error(field, `invalid value ${formatValue(v)} for enum '${field}' (expected one of ${allowed})`);
    return fallback;
  }

  /** A sub-message, or undefined when absent (an error when present but not an object). */
  message(field: string): MessageReader | undefined {
    const v = this.get(field);
    if (v === undefined) return undefined;
    if (!isObject(v)) {
      this.error(field, `'${field}' must be an object, got ${describe(v)}`);
      return undefined;
    }
    return new MessageReader(this.ctx, this.at(field), v);
  }

  /** Each element of a repeated message field. */
  messages(field: string): MessageReader[] {
    const out: MessageReader[] = [];
    const list = this.list(field);
    list.forEach((item, i) => {
      const path = joinPath(this.at(field), i);
      if (!isObject(item)) this.ctx.add(path, `'${field}' entries must be objects, got ${describe(item)}`);
      else out.push(new MessageReader(this.ctx, path, item));
    });
    return out;
  }

  list(field: string): unknown[] {
    const v = this.get(field);
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
      this.error(field, `'${field}' must be a list, got ${describe(v)}`);
      return [];
    }
    return v;
  }

  strings(field: string): string[] {
    const out: string[] = [];
    this.list(field).forEach((item, i) => {
      if (typeof item === 'string') out.push(item);
      else
        this.ctx.add(
          joinPath(this.at(field), i),
          `'${field}' entries must be strings, got ${describe(item)}`,
        );
    });
    return out;
  }

  /** A map field (map<string, …> or google.protobuf.Struct) as given: its keys are data, not fields. */
  map(field: string): Json | undefined {
    const v = this.get(field);
    if (v === undefined) return undefined;
    if (!isObject(v)) {
      this.error(field, `'${field}' must be an object, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }

  /** Which of `fields` (a oneof) are set; reports an error when more than one is. */
  oneof<T extends string>(fields: readonly T[], label: string): T | undefined {
    const set = fields.filter((f) => this.has(f));
    if (set.length > 1) {
      this.ctx.add(
        this.path || '(root)',
        `only one of ${set.map((f) => `'${f}'`).join(', ')} may be set (${label})`,
      );
    }
    return set[0];
  }

  /** Reports every field that was neither read nor listed as a no-op. Call last. */
  finish(noop: readonly string[] = []): void {
    this.ignore(noop);
    for (const key of Object.keys(this.raw)) {
      if (this.used.has(key) || isDefaultValue(this.raw[key])) continue;
      this.ctx.unsupported(joinPath(this.path, key), key);
    }
  }
}

/** Milliseconds, or a problem description. */
export function parseDuration(v: unknown): number | string {
  if (typeof v === 'string') {
    const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(v);
    if (!m) return `must be a duration such as "1.5s", got ${formatValue(v)}`;
    const frac = (m[3] ?? '').padEnd(9, '0');
    const ms = Number(m[2]) * 1000 + Number(frac) / 1e6;
    return m[1] ? -ms : ms;
  }
  if (isObject(v)) {
    const extra = Object.keys(v).filter((k) => k !== 'seconds' && k !== 'nanos');
    if (extra.length > 0) return `has unknown duration field '${extra[0]}'`;
    const seconds = v['seconds'] ?? 0;
    const nanos = v['nanos'] ?? 0;
    const s = typeof seconds === 'string' && /^-?\d+$/.test(seconds) ? Number(seconds) : seconds;
    if (typeof s !== 'number' || !Number.isInteger(s))
      return `has a non-integer 'seconds' (${formatValue(seconds)})`;
    if (typeof nanos !== 'number' || !Number.isInteger(nanos) || Math.abs(nanos) > 999_999_999) {
      return `has an invalid 'nanos' (${formatValue(nanos)})`;
    }
    return s * 1000 + nanos / 1e6;
  }
  return `must be a duration such as "1.5s" or {seconds, nanos}, got ${describe(v)}`;
}

export function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${formatValue(v)}`;
}

export function formatValue(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v));
}

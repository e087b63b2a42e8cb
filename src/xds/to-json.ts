// Protobuf binary to Envoy's canonical JSON: snake_case field names as in the protos, enums by
// name, 64-bit integers as decimal strings, bytes as base64, well-known types in their JSON
// mapping, and Any's expanded to `{"@type": …, fields}` recursively (typed_config,
// typed_per_filter_config, transport_socket …). Fields at their proto3 default are left out, as
// Envoy's own JSON output does, except oneof members and `optional` fields, whose presence matters.
import protobuf from 'protobufjs';
import {
  type AnyMessage,
  type Conversion,
  type ConversionError,
  childPath,
  type Json,
  type JsonObject,
  typeNameOfUrl,
} from './json-types.ts';
import { lookupMessageType, wktFieldName } from './protos.ts';
import { formatDuration, formatTimestamp } from './wkt-format.ts';

type Decoded = Record<string, unknown>;

const WRAPPERS = new Set([
  'google.protobuf.DoubleValue',
  'google.protobuf.FloatValue',
  'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value',
  'google.protobuf.Int32Value',
  'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue',
  'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
]);

const has = (o: object, k: string): boolean => Object.hasOwn(o, k);

class Renderer {
  readonly errors: ConversionError[] = [];

  fail(path: string, message: string): undefined {
    this.errors.push({ path, message });
    return undefined;
  }

  message(type: protobuf.Type, msg: Decoded, path: string): Json | undefined {
    const special = this.wellKnown(type, msg, path);
    if (special !== undefined) return special;
    const out: JsonObject = {};
    for (const field of type.fieldsArray) {
      if (!has(msg, field.name)) continue;
      const value = msg[field.name];
      if (value === null || value === undefined) continue;
      const fieldPath = childPath(path, field.name);
      if (field instanceof protobuf.MapField) {
        const entries = Object.entries(value as Decoded);
        if (entries.length === 0) continue;
        const map: JsonObject = {};
        for (const [k, v] of entries) {
          const rendered = this.single(field, v, childPath(fieldPath, k));
          if (rendered !== undefined) map[k] = rendered;
        }
        out[field.name] = map;
      } else if (field.repeated) {
        const items = value as unknown[];
        if (items.length === 0) continue;
        const list: Json[] = [];
        items.forEach((item, i) => {
          const rendered = this.single(field, item, childPath(fieldPath, i));
          if (rendered !== undefined) list.push(rendered);
        });
        out[field.name] = list;
      } else {
        if (!field.partOf && !(field.resolvedType instanceof protobuf.Type) && isDefault(value)) continue;
        const rendered = this.single(field, value, fieldPath);
        if (rendered !== undefined) out[field.name] = rendered;
      }
    }
    return out;
  }

  private single(field: protobuf.Field, value: unknown, path: string): Json | undefined {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) return this.message(resolved, value as Decoded, path);
    if (resolved instanceof protobuf.Enum) {
      const n = value as number;
      return resolved.valuesById[n] ?? n;
    }
    return scalar(field.type, value);
  }

  /** The JSON mapping of a well-known type; undefined when `type` is an ordinary message. */
  private wellKnown(type: protobuf.Type, msg: Decoded, path: string): Json | undefined {
    const name = type.fullName.slice(1);
    if (WRAPPERS.has(name)) return scalar(type.fields['value']!.type, msg['value'] ?? defaultOf(type));
    switch (name) {
      case 'google.protobuf.Any':
        return this.any(
          {
            type_url: msg[wktFieldName(name, 'type_url')] as string,
            value: msg[wktFieldName(name, 'value')] as Uint8Array,
          },
          path,
        );
      case 'google.protobuf.Duration':
        return formatDuration(toBigInt(msg['seconds']), Number(msg['nanos'] ?? 0));
      case 'google.protobuf.Timestamp':
        return formatTimestamp(toBigInt(msg['seconds']), Number(msg['nanos'] ?? 0));
      case 'google.protobuf.Struct':
        return structJson(msg);
      case 'google.protobuf.Value':
        return valueJson(msg);
      case 'google.protobuf.ListValue':
        return listJson(msg);
      case 'google.protobuf.FieldMask':
        return ((msg[wktFieldName(name, 'paths')] as string[] | undefined) ?? []).join(',');
      case 'google.protobuf.Empty':
        return {};
      default:
        return undefined;
    }
  }

  any(any: AnyMessage, path: string): JsonObject | undefined {
    const typeUrl = any.type_url ?? '';
    const inner = lookupMessageType(typeNameOfUrl(typeUrl));
    if (!inner) return this.fail(childPath(path, '@type'), `unknown type ${typeUrl || '(empty type_url)'}`);
    let decoded: Decoded;
    try {
      decoded = inner.decode(any.value ?? new Uint8Array()) as unknown as Decoded;
    } catch (err) {
      return this.fail(path, `cannot decode ${typeUrl}: ${(err as Error).message}`);
    }
    const body = this.message(inner, decoded, path);
    if (body === undefined) return undefined;
    const special = inner.fullName.startsWith('.google.protobuf.') && inner.name !== 'Any';
    if (special) return { '@type': typeUrl, value: body };
    return { '@type': typeUrl, ...(body as JsonObject) };
  }
}

function isDefault(value: unknown): boolean {
  if (value === 0 || value === '' || value === false) return true;
  if (value instanceof Uint8Array) return value.length === 0;
  if (typeof value === 'object' && value !== null && 'low' in value && 'high' in value) {
    return (value as { low: number; high: number }).low === 0 && (value as { high: number }).high === 0;
  }
  return false;
}

function defaultOf(type: protobuf.Type): unknown {
  const t = type.fields['value']!.type;
  if (t === 'string') return '';
  if (t === 'bool') return false;
  if (t === 'bytes') return new Uint8Array();
  return 0;
}

function toBigInt(value: unknown): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === 'number') return BigInt(value);
  return BigInt(String(value));
}

function scalar(kind: string, value: unknown): Json {
  switch (kind) {
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      // Long (or number when long.js is absent) to a decimal string: proto3 JSON's form for 64 bits.
      return String(value);
    case 'bytes':
      return Buffer.from(value as Uint8Array).toString('base64');
    case 'double':
    case 'float': {
      const n = value as number;
      if (Number.isNaN(n)) return 'NaN';
      if (n === Number.POSITIVE_INFINITY) return 'Infinity';
      if (n === Number.NEGATIVE_INFINITY) return '-Infinity';
      return n;
    }
    default:
      return value as Json;
  }
}

function structJson(msg: Decoded): JsonObject {
  const out: JsonObject = {};
  const fields = msg[wktFieldName('google.protobuf.Struct', 'fields')] as Record<string, Decoded> | undefined;
  for (const [k, v] of Object.entries(fields ?? {})) out[k] = valueJson(v);
  return out;
}

function listJson(msg: Decoded): Json[] {
  const values = msg[wktFieldName('google.protobuf.ListValue', 'values')] as Decoded[] | undefined;
  return (values ?? []).map(valueJson);
}

function valueJson(msg: Decoded): Json {
  const get = (snake: string): unknown => {
    const name = wktFieldName('google.protobuf.Value', snake);
    return has(msg, name) ? msg[name] : undefined;
  };
  const n = get('number_value');
  if (n !== undefined && n !== null) return n as number;
  const s = get('string_value');
  if (s !== undefined && s !== null) return s as string;
  const b = get('bool_value');
  if (b !== undefined && b !== null) return b as boolean;
  const st = get('struct_value');
  if (st !== undefined && st !== null) return structJson(st as Decoded);
  const l = get('list_value');
  if (l !== undefined && l !== null) return listJson(l as Decoded);
  return null;
}

/** Decodes binary message `typeName` (full name, no leading dot) to its canonical JSON. */
export function binaryToJson(typeName: string, bytes: Uint8Array): Conversion<JsonObject> {
  const type = lookupMessageType(typeName);
  if (!type) return { ok: false, errors: [{ path: '', message: `unknown type ${typeName}` }] };
  let decoded: Decoded;
  try {
    decoded = type.decode(bytes) as unknown as Decoded;
  } catch (err) {
    return {
      ok: false,
      errors: [{ path: '', message: `cannot decode ${typeName}: ${(err as Error).message}` }],
    };
  }
  return decodedToJson(type, decoded);
}

/** Renders an already decoded protobufjs message (e.g. the node inside a DiscoveryRequest). */
export function decodedToJson(type: protobuf.Type, decoded: unknown): Conversion<JsonObject> {
  const renderer = new Renderer();
  const json = renderer.message(type, decoded as Decoded, '');
  if (renderer.errors.length > 0) return { ok: false, errors: renderer.errors };
  return { ok: true, value: json as JsonObject };
}

/** Expands an Any to `{"@type": …, …fields}`, recursively through nested Any's. */
export function anyToJson(any: AnyMessage): Conversion<JsonObject> {
  const renderer = new Renderer();
  const json = renderer.any(any, '');
  if (!json || renderer.errors.length > 0) return { ok: false, errors: renderer.errors };
  return { ok: true, value: json };
}

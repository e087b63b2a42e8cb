// Envoy's canonical JSON (snake_case or lowerCamelCase names, `@type` Any's, "1.5s" durations, enum
// names) to protobuf binary. Walks the loaded proto descriptors, so every field is checked against
// the schema: an unknown field, a wrong type or an unknown enum name is an error naming the field,
// not something silently dropped.
import protobuf from 'protobufjs';
import {
  type AnyMessage,
  type Conversion,
  type ConversionError,
  childPath,
  isJsonObject,
  typeNameOfUrl,
} from './json-types.ts';
import { lookupMessageType, wktFieldName } from './protos.ts';
import { parseDuration, parseTimestamp } from './wkt-format.ts';

type Plain = Record<string, unknown>;

const WRAPPER_SCALAR: Record<string, string> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};

class Encoder {
  readonly errors: ConversionError[] = [];

  fail(path: string, message: string): undefined {
    this.errors.push({ path, message });
    return undefined;
  }

  /** JSON for `type` to a plain object protobufjs can encode; undefined after recording an error. */
  message(type: protobuf.Type, json: unknown, path: string): Plain | undefined {
    const special = this.wellKnown(type, json, path);
    if (special !== null) return special;
    if (!isJsonObject(json)) return this.fail(path, `expected an object for ${type.fullName.slice(1)}`);
    const out: Plain = {};
    const oneofSet = new Map<string, string>();
    for (const [key, value] of Object.entries(json)) {
      const field = fieldByJsonName(type, key);
      const fieldPath = childPath(path, key);
      if (!field) {
        this.fail(fieldPath, `unknown field "${key}" in ${type.fullName.slice(1)}`);
        continue;
      }
      if (value === null && field.type !== 'google.protobuf.Value') continue;
      if (field.partOf) {
        const other = oneofSet.get(field.partOf.name);
        if (other !== undefined) {
          this.fail(fieldPath, `"${field.name}" and "${other}" are both set in oneof ${field.partOf.name}`);
          continue;
        }
        oneofSet.set(field.partOf.name, field.name);
      }
      const converted = this.field(field, value, fieldPath);
      if (converted !== undefined) out[field.name] = converted;
    }
    return out;
  }

  private field(field: protobuf.Field, value: unknown, path: string): unknown {
    if (field instanceof protobuf.MapField) {
      if (!isJsonObject(value)) return this.fail(path, 'expected an object (map)');
      const out: Plain = {};
      for (const [k, v] of Object.entries(value)) {
        const converted = this.single(field, v, childPath(path, k));
        if (converted !== undefined) out[k] = converted;
      }
      return out;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) return this.fail(path, 'expected an array');
      const out: unknown[] = [];
      value.forEach((item, i) => {
        const converted = this.single(field, item, childPath(path, i));
        if (converted !== undefined) out.push(converted);
      });
      return out;
    }
    return this.single(field, value, path);
  }

  private single(field: protobuf.Field, value: unknown, path: string): unknown {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) return this.message(resolved, value, path);
    if (resolved instanceof protobuf.Enum) return this.enumValue(resolved, value, path);
    return this.scalar(field.type, value, path);
  }

  private enumValue(type: protobuf.Enum, value: unknown, path: string): number | undefined {
    if (typeof value === 'string') {
      const n = type.values[value];
      if (n === undefined) return this.fail(path, `unknown value "${value}" for enum ${type.name}`);
      return n;
    }
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    return this.fail(path, `expected an enum name of ${type.name}`);
  }

  scalar(kind: string, value: unknown, path: string): unknown {
    switch (kind) {
      case 'string':
        return typeof value === 'string' ? value : this.fail(path, 'expected a string');
      case 'bool':
        return typeof value === 'boolean' ? value : this.fail(path, 'expected a boolean');
      case 'bytes':
        if (typeof value !== 'string') return this.fail(path, 'expected base64 text');
        return Buffer.from(value, 'base64');
      case 'double':
      case 'float':
        if (typeof value === 'number') return value;
        if (value === 'NaN') return Number.NaN;
        if (value === 'Infinity') return Number.POSITIVE_INFINITY;
        if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
        if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)))
          return Number(value);
        return this.fail(path, 'expected a number');
      case 'int32':
      case 'sint32':
      case 'sfixed32':
        return this.integer(value, path, -(2 ** 31), 2 ** 31 - 1);
      case 'uint32':
      case 'fixed32':
        return this.integer(value, path, 0, 2 ** 32 - 1);
      case 'int64':
      case 'sint64':
      case 'sfixed64':
        return this.integer64(value, path, -(2n ** 63n), 2n ** 63n - 1n);
      case 'uint64':
      case 'fixed64':
        return this.integer64(value, path, 0n, 2n ** 64n - 1n);
      default:
        return this.fail(path, `unsupported field type ${kind}`);
    }
  }

  private integer(value: unknown, path: string, min: number, max: number): number | undefined {
    const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n)) return this.fail(path, 'expected an integer');
    if (n < min || n > max) return this.fail(path, `integer ${n} out of range`);
    return n;
  }

  /** 64-bit integers go to protobufjs as decimal strings, which it encodes without precision loss. */
  private integer64(value: unknown, path: string, min: bigint, max: bigint): string | undefined {
    let n: bigint;
    if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value);
    else if (typeof value === 'string' && /^-?\d+$/.test(value)) n = BigInt(value);
    else return this.fail(path, 'expected an integer (number or decimal string)');
    if (n < min || n > max) return this.fail(path, `integer ${n} out of range`);
    return n.toString();
  }

  /** The canonical JSON of well-known types; null when `type` has no special mapping. */
  private wellKnown(type: protobuf.Type, json: unknown, path: string): Plain | undefined | null {
    const name = type.fullName.slice(1);
    const wrapped = WRAPPER_SCALAR[name];
    if (wrapped) {
      const value = this.scalar(wrapped, json, path);
      return value === undefined ? undefined : { value };
    }
    switch (name) {
      case 'google.protobuf.Any':
        return this.any(json, path);
      case 'google.protobuf.Duration': {
        const d = typeof json === 'string' ? parseDuration(json) : undefined;
        if (!d) return this.fail(path, `expected a duration like "1.5s", got ${JSON.stringify(json)}`);
        return { seconds: d.seconds.toString(), nanos: d.nanos };
      }
      case 'google.protobuf.Timestamp': {
        const t = typeof json === 'string' ? parseTimestamp(json) : undefined;
        if (!t) return this.fail(path, `expected an RFC 3339 timestamp, got ${JSON.stringify(json)}`);
        return { seconds: t.seconds.toString(), nanos: t.nanos };
      }
      case 'google.protobuf.Struct':
        return this.struct(json, path);
      case 'google.protobuf.Value':
        return this.value(json, path);
      case 'google.protobuf.ListValue':
        if (!Array.isArray(json)) return this.fail(path, 'expected an array');
        return this.list(json, path);
      case 'google.protobuf.FieldMask':
        if (typeof json !== 'string') return this.fail(path, 'expected a comma-separated field mask');
        return { [wktFieldName(name, 'paths')]: json === '' ? [] : json.split(',') };
      case 'google.protobuf.Empty':
        return isJsonObject(json) ? {} : this.fail(path, 'expected {}');
      default:
        return null;
    }
  }

  private struct(json: unknown, path: string): Plain | undefined {
    if (!isJsonObject(json)) return this.fail(path, 'expected an object (Struct)');
    const fields: Plain = {};
    for (const [k, v] of Object.entries(json)) fields[k] = this.value(v, childPath(path, k));
    return { [wktFieldName('google.protobuf.Struct', 'fields')]: fields };
  }

  private list(items: unknown[], path: string): Plain {
    return {
      [wktFieldName('google.protobuf.ListValue', 'values')]: items.map((v, i) =>
        this.value(v, childPath(path, i)),
      ),
    };
  }

  private value(json: unknown, path: string): Plain | undefined {
    const v = (snake: string, inner: unknown): Plain => ({
      [wktFieldName('google.protobuf.Value', snake)]: inner,
    });
    if (json === null) return v('null_value', 0);
    if (typeof json === 'number') return v('number_value', json);
    if (typeof json === 'string') return v('string_value', json);
    if (typeof json === 'boolean') return v('bool_value', json);
    if (Array.isArray(json)) return v('list_value', this.list(json, path));
    if (isJsonObject(json)) return v('struct_value', this.struct(json, path));
    return this.fail(path, 'expected a JSON value');
  }

  any(json: unknown, path: string): Plain | undefined {
    if (!isJsonObject(json)) return this.fail(path, 'expected an object with "@type"');
    const typeUrl = json['@type'];
    if (typeof typeUrl !== 'string' || typeUrl === '')
      return this.fail(childPath(path, '@type'), 'missing "@type"');
    const inner = lookupMessageType(typeNameOfUrl(typeUrl));
    if (!inner) return this.fail(childPath(path, '@type'), `unknown type ${typeUrl}`);
    // Well-known types inside an Any carry their JSON under "value"; other messages inline their fields.
    const special = inner.fullName.startsWith('.google.protobuf.') && inner.name !== 'Any';
    let body: unknown;
    if (special) body = json['value'];
    else {
      const fields: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(json)) if (k !== '@type') fields[k] = v;
      body = fields;
    }
    const before = this.errors.length;
    const plain = this.message(inner, body, path);
    if (!plain || this.errors.length > before) return undefined;
    return {
      [wktFieldName('google.protobuf.Any', 'type_url')]: typeUrl,
      [wktFieldName('google.protobuf.Any', 'value')]: inner.encode(plain).finish(),
    };
  }
}

/** A field by its proto name (snake_case) or its JSON name (lowerCamelCase). */
function fieldByJsonName(type: protobuf.Type, key: string): protobuf.Field | undefined {
  const direct = type.fields[key];
  if (direct) return direct;
  const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return type.fields[snake];
}

/** Encodes the canonical JSON of message `typeName` (full name, no leading dot). */
export function jsonToBinary(typeName: string, json: unknown): Conversion<Uint8Array> {
  const type = lookupMessageType(typeName);
  if (!type) return { ok: false, errors: [{ path: '', message: `unknown type ${typeName}` }] };
  const encoder = new Encoder();
  const plain = encoder.message(type, json, '');
  if (!plain || encoder.errors.length > 0) return { ok: false, errors: encoder.errors };
  return { ok: true, value: type.encode(plain).finish() };
}

/** Encodes a JSON object carrying "@type" (e.g. a Listener resource) to an Any. */
export function jsonToAny(json: unknown): Conversion<AnyMessage> {
  const encoder = new Encoder();
  const plain = encoder.any(json, '');
  if (!plain || encoder.errors.length > 0) return { ok: false, errors: encoder.errors };
  return {
    ok: true,
    value: {
      type_url: plain[wktFieldName('google.protobuf.Any', 'type_url')] as string,
      value: plain[wktFieldName('google.protobuf.Any', 'value')] as Uint8Array,
    },
  };
}

// OpenAPI `format` checks for the formats Istio's CRDs use (int32, uint32, int64, double, float,
// date-time, byte) plus a few common string formats. Unknown formats are accepted, as the
// Kubernetes API server does.

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A message when `value` does not have `format`, else undefined. */
export function checkFormat(format: string, value: unknown): string | undefined {
  switch (format) {
    case 'int32':
      if (typeof value === 'number' && (value < INT32_MIN || value > INT32_MAX)) {
        return `must be a 32-bit integer (${INT32_MIN} to ${INT32_MAX}), got ${value}`;
      }
      return undefined;
    case 'uint32':
      if (typeof value === 'number' && (value < 0 || value > UINT32_MAX)) {
        return `must be an unsigned 32-bit integer (0 to ${UINT32_MAX}), got ${value}`;
      }
      return undefined;
    case 'int64':
      if (typeof value === 'number' && !Number.isSafeInteger(value)) {
        return `must be a 64-bit integer that is exactly representable, got ${value}`;
      }
      return undefined;
    case 'double':
    case 'float':
      if (typeof value === 'number' && !Number.isFinite(value))
        return `must be a finite number, got ${value}`;
      return undefined;
    case 'date-time':
      if (typeof value === 'string' && (!RFC3339.test(value) || Number.isNaN(Date.parse(value)))) {
        return `${JSON.stringify(value)} is not an RFC 3339 date-time (e.g. 2024-01-02T15:04:05Z)`;
      }
      return undefined;
    case 'byte':
      if (typeof value === 'string' && !BASE64.test(value)) return 'must be base64-encoded bytes';
      return undefined;
    case 'uuid':
      if (typeof value === 'string' && !UUID.test(value)) return `${JSON.stringify(value)} is not a UUID`;
      return undefined;
    default:
      return undefined;
  }
}

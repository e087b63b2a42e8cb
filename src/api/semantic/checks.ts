// Small value checks shared by every kind: durations, ports, percentages, labels, header names,
// regular expressions, exportTo. Each returns a message for the problem or undefined.
import { RE2JS } from 're2js';
import { parseDurationMs } from '../../util/duration/index.ts';
import { isDnsLabel, isDnsSubdomain } from './hosts.ts';

/** A duration that must parse and be at least 1ms (Istio rejects shorter ones). */
export function checkDuration(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined; // a type error, the schema's to report
  const ms = parseDurationMs(value);
  if (ms === undefined) return `invalid duration "${value}"`;
  if (ms < 1) return `duration "${value}" must be at least 1ms`;
  return undefined;
}

export function checkPort(value: unknown): string | undefined {
  if (typeof value !== 'number') return undefined;
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    return `port number ${value} must be in the range 1..65535`;
  }
  return undefined;
}

export function checkPercent(value: unknown): string | undefined {
  if (typeof value !== 'number') return undefined;
  if (!(value >= 0 && value <= 100)) return `percentage ${value} must be in the range 0..100`;
  return undefined;
}

const LABEL_NAME = /^[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** A Kubernetes label key: an optional DNS subdomain prefix and '/', then a name of ≤63 characters. */
export function checkLabelKey(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && !isDnsSubdomain(prefix)) {
    return `label key "${key}": prefix "${prefix}" must be a DNS subdomain`;
  }
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return `invalid label key "${key}" (a name of at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric)`;
  }
  return undefined;
}

export function checkLabelValue(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (value === '') return undefined;
  if (value.length > 63 || !LABEL_NAME.test(value)) {
    return `invalid label value "${value}" (at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric)`;
  }
  return undefined;
}

const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

/** An HTTP header name as Istio wants it in config: a lower-case RFC 7230 token. */
export function checkHeaderName(name: string): string | undefined {
  if (name === '') return 'header name must not be empty';
  if (name !== name.toLowerCase()) return `header name "${name}" must be lower-case`;
  if (!HEADER_TOKEN.test(name)) return `header name "${name}" is not a valid HTTP header name`;
  return undefined;
}

/** A regular expression Envoy will accept: RE2 syntax (no lookaround, no backreferences). */
export function checkRegex(regex: string): string | undefined {
  if (regex === '') return 'regex must not be empty';
  try {
    RE2JS.compile(regex);
    return undefined;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return `invalid RE2 regex "${regex}": ${reason}`;
  }
}

/** exportTo: '.', '*' or namespace names; '*' cannot be combined with anything else. */
export function checkExportTo(values: string[]): Array<{ index: number; message: string }> {
  const out: Array<{ index: number; message: string }> = [];
  values.forEach((ns, index) => {
    if (ns !== '.' && ns !== '*' && ns !== '~' && !isDnsLabel(ns)) {
      out.push({ index, message: `exportTo "${ns}" must be ".", "*" or a namespace name` });
    }
  });
  if (values.includes('*') && values.length > 1) {
    out.push({
      index: values.indexOf('*'),
      message: 'exportTo "*" cannot be combined with other namespaces',
    });
  }
  const seen = new Set<string>();
  values.forEach((ns, index) => {
    if (seen.has(ns)) out.push({ index, message: `duplicate exportTo entry "${ns}"` });
    seen.add(ns);
  });
  return out;
}

/** Istio's port protocols (case-insensitive in Istio, but written upper-case by convention). */
export const PROTOCOLS: ReadonlySet<string> = new Set([
  'HTTP',
  'HTTPS',
  'GRPC',
  'GRPC-WEB',
  'HTTP2',
  'MONGO',
  'MYSQL',
  'REDIS',
  'TCP',
  'TLS',
  'UDP',
  'UNSUPPORTED',
  'HBONE',
]);

export function checkProtocol(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (!PROTOCOLS.has(value.toUpperCase())) {
    return `unrecognized protocol "${value}" (expected one of ${[...PROTOCOLS].join(', ')})`;
  }
  return undefined;
}

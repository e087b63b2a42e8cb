// envoy.config.route.v3.CorsPolicy (a route's typed_per_filter_config for envoy.filters.http.cors),
// from its JSON form, compiled to what the filter reads per request: the origin matchers and the
// header values, ready to set. Supported: allow_origin_string_match (exact, prefix, suffix,
// contains, safe_regex; ignore_case), allow_methods, allow_headers, expose_headers, max_age,
// allow_credentials, allow_private_network_access, filter_enabled (its default_value; there is no
// runtime). Anything else (shadow_enabled) is refused.
import type { StringMatcherConfig } from '../../../config/index.ts';
import { compileStringMatcher, type StringMatchFn } from '../../../router/index.ts';
import { camel, field, fractionalPercent, type Json, obj, type Percent } from '../json.ts';

/** The listener-level filter config; its v3 message has no fields. */
export const FILTER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors';

export interface CompiledCors {
  /** Origin matchers; an origin is allowed when one matches it. */
  origins: StringMatchFn[];
  /** A matcher matches '*' itself: every origin is allowed (as Envoy treats it). */
  anyOrigin: boolean;
  allowMethods: string | undefined;
  allowHeaders: string | undefined;
  exposeHeaders: string | undefined;
  maxAge: string | undefined;
  allowCredentials: boolean;
  allowPrivateNetworkAccess: boolean;
  /**
   * forward_not_matching_preflights (default true): a preflight from an origin not allowed goes to
   * the upstream; false answers it here, 200 without Access-Control-Allow-Origin (Istio's
   * unmatchedPreflights: IGNORE).
   */
  forwardNotMatchingPreflights: boolean;
  /** filter_enabled's share of requests; undefined: all of them. */
  enabled: Percent | undefined;
}

const KNOWN = new Set([
  '@type',
  'allow_origin_string_match',
  'allow_methods',
  'allow_headers',
  'expose_headers',
  'max_age',
  'allow_credentials',
  'allow_private_network_access',
  'filter_enabled',
  'forward_not_matching_preflights',
]);
const KNOWN_CAMEL = new Set([...KNOWN].map(camel));
const MATCH_KINDS = ['exact', 'prefix', 'suffix', 'contains'] as const;

type Result = { ok: true; cors: CompiledCors } | { ok: false; errors: string[] };

/** The compiled policy, or the reasons it cannot be served. */
export function compileCors(raw: unknown): Result {
  const o = obj(raw) ?? {};
  const errors: string[] = [];
  for (const k of Object.keys(o))
    if (!KNOWN.has(k) && !KNOWN_CAMEL.has(k)) errors.push(`cors: '${k}' is not supported`);
  const origins: StringMatchFn[] = [];
  const list = field(o, 'allow_origin_string_match') ?? [];
  if (!Array.isArray(list)) errors.push(`cors: 'allow_origin_string_match' must be a list`);
  else
    list.forEach((m, i) => {
      const spec = stringMatcher(obj(m));
      const compiled = spec && compileStringMatcher(spec);
      if (!compiled) errors.push(`cors: allow_origin_string_match[${i}] is not a string matcher`);
      else if (!compiled.ok) errors.push(`cors: allow_origin_string_match[${i}]: ${compiled.error}`);
      else origins.push(compiled.value);
    });
  const enabled = obj(field(o, 'filter_enabled'));
  const cors: CompiledCors = {
    origins,
    anyOrigin: origins.some((m) => m('*')),
    allowMethods: text(field(o, 'allow_methods')),
    allowHeaders: text(field(o, 'allow_headers')),
    exposeHeaders: text(field(o, 'expose_headers')),
    maxAge: text(field(o, 'max_age')),
    allowCredentials: bool(field(o, 'allow_credentials')) === true,
    allowPrivateNetworkAccess: bool(field(o, 'allow_private_network_access')) === true,
    forwardNotMatchingPreflights: bool(field(o, 'forward_not_matching_preflights')) !== false,
    // A RuntimeFractionalPercent without a default_value is 100 %; the runtime_key has no runtime.
    enabled:
      enabled && field(enabled, 'default_value') !== undefined
        ? fractionalPercent(field(enabled, 'default_value'))
        : undefined,
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, cors };
}

function stringMatcher(m: Json | undefined): StringMatcherConfig | undefined {
  if (!m) return undefined;
  const ignoreCase = bool(field(m, 'ignore_case')) === true;
  for (const kind of MATCH_KINDS) {
    const v = m[kind];
    if (typeof v === 'string') return { kind, value: v, ignoreCase };
  }
  const re = obj(field(m, 'safe_regex'));
  const pattern = re?.['regex'];
  return typeof pattern === 'string' ? { kind: 'regex', value: pattern, ignoreCase } : undefined;
}

/** A header value to send as is; empty strings are unset, as in the proto. */
function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** bool or google.protobuf.BoolValue. */
function bool(v: unknown): boolean | undefined {
  const u = obj(v)?.['value'] ?? v;
  return typeof u === 'boolean' ? u : undefined;
}

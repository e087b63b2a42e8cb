// Small messages shared by several resource types: typed_config (Any), socket addresses, regexes,
// string matchers, FractionalPercent, header mutations and data sources.
import { isIP } from 'node:net';
import { RE2JS } from 're2js';
import type {
  HeaderAppendAction,
  HeaderMutationConfig,
  HeaderValueOptionConfig,
  SocketAddress,
  StringMatcherConfig,
} from '../../config/index.ts';
import { describe, type Json, MessageReader } from './reader.ts';

const TYPE_PREFIX = 'type.googleapis.com/';

/** The typed_config of an extension: its `@type` (without the URL prefix) and the message reader. */
export interface TypedConfig {
  type: string;
  reader: MessageReader;
  raw: Json;
}

/** Reads `typed_config` (google.protobuf.Any in JSON form); undefined when absent. */
export function readTypedConfig(r: MessageReader, field = 'typed_config'): TypedConfig | undefined {
  const v = r.get(field);
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) {
    r.error(field, `'${field}' must be an object with '@type', got ${describe(v)}`);
    return undefined;
  }
  const raw = v as Json;
  const url = raw['@type'];
  if (typeof url !== 'string' || url === '') {
    r.error(field, `'${field}' has no '@type'`);
    return undefined;
  }
  const type = url.slice(url.lastIndexOf('/') + 1);
  const reader = new MessageReader(r.ctx, r.at(field), raw);
  reader.ignore(['@type']);
  return { type, reader, raw };
}

export interface ExtensionKind<T extends string> {
  /** The canonical extension name and its accepted aliases. */
  names: readonly string[];
  /** Fully qualified proto message name of its typed_config. */
  type: string;
  id: T;
}

/**
 * Finds which known extension an entry names, as Envoy does: by the typed_config's `@type` when
 * there is one, otherwise by name. Reports Envoy-style when nothing matches (unless `optional`).
 */
export function resolveExtension<T extends string>(
  r: MessageReader,
  kinds: readonly ExtensionKind<T>[],
  name: string,
  typed: TypedConfig | undefined,
  what: string,
  optional = false,
): ExtensionKind<T> | undefined {
  const found = typed ? kinds.find((k) => k.type === typed.type) : kinds.find((k) => k.names.includes(name));
  if (!found && !optional) {
    const url = typed ? `${TYPE_PREFIX}${typed.type}` : '';
    r.ctx.add(
      r.at(typed ? 'typed_config' : 'name'),
      `Didn't find a registered implementation for ${what} '${name}' with type URL: '${url}'`,
    );
  }
  return found;
}

// ---------------------------------------------------------------------------------------------

/** config.core.v3.SocketAddress. `allowHostname` for DNS clusters, whose endpoints are names. */
export function readSocketAddress(r: MessageReader, allowHostname: boolean): SocketAddress {
  const host = r.requiredStr('address');
  const port = r.uint32('port_value', 0, 0, 65535);
  if (r.has('named_port')) r.error('named_port', `'named_port' is not supported; use 'port_value'`);
  if (r.enumValue('protocol', ['TCP', 'UDP'], 'TCP') === 'UDP')
    r.error('protocol', 'UDP sockets are not supported');
  if (host && !allowHostname && isIP(host) === 0) r.error('address', `malformed IP address: ${host}`);
  // ipv4_compat only matters for dual-stack binding, which Node does by default for '::'.
  r.finish(['ipv4_compat', 'resolver_name']);
  return { host, port };
}

/** config.core.v3.Address with only socket_address supported. */
export function readAddress(r: MessageReader, field: string, allowHostname: boolean): SocketAddress {
  const a = r.message(field);
  if (!a) {
    r.error(field, `'${field}' is required`);
    return { host: '', port: 0 };
  }
  const sock = a.message('socket_address');
  if (!sock) {
    if (!a.has('pipe') && !a.has('envoy_internal_address'))
      a.error('socket_address', `'socket_address' is required`);
    a.finish();
    return { host: '', port: 0 };
  }
  const out = readSocketAddress(sock, allowHostname);
  a.finish();
  return out;
}

// ---------------------------------------------------------------------------------------------

/** Validates an RE2 pattern (Envoy's only regex engine); records the parse error when invalid. */
export function checkRegex(r: MessageReader, field: string, pattern: string): void {
  try {
    RE2JS.compile(pattern);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    r.error(field, `invalid regex '${pattern}': ${detail}`);
  }
}

/** type.matcher.v3.RegexMatcher: {regex, google_re2?}; returns the pattern ('' when invalid). */
export function readRegexMatcher(r: MessageReader): string {
  const regex = r.requiredStr('regex');
  if (regex) checkRegex(r, 'regex', regex);
  // google_re2 {max_program_size} is deprecated and ignored by Envoy; RE2 is the only engine.
  r.finish(['google_re2']);
  return regex;
}

/** type.matcher.v3.StringMatcher. */
export function readStringMatcher(r: MessageReader): StringMatcherConfig {
  const set = r.oneof(
    ['exact', 'prefix', 'suffix', 'contains', 'safe_regex', 'custom'] as const,
    'match_pattern',
  );
  const ignoreCase = r.bool('ignore_case', false);
  let out: StringMatcherConfig = { kind: 'exact', value: '', ignoreCase };
  if (set === undefined)
    r.ctx.add(r.path, `string matcher needs one of exact, prefix, suffix, contains, safe_regex`);
  else if (set === 'custom') r.error('custom', `custom string matchers are not supported`);
  else if (set === 'safe_regex') {
    const m = r.message('safe_regex');
    out = { kind: 'regex', value: m ? readRegexMatcher(m) : '', ignoreCase };
    if (ignoreCase)
      r.error('ignore_case', `'ignore_case' has no effect on safe_regex matchers and is rejected`);
  } else {
    const value = r.str(set) ?? '';
    if (value === '' && set !== 'exact') r.error(set, `'${set}' must be non-empty`);
    out = { kind: set, value, ignoreCase };
  }
  r.finish();
  return out;
}

/** type.v3.FractionalPercent → fraction 0..1 (numerators above the denominator mean 100 %). */
export function readFractionalPercent(r: MessageReader): number {
  const numerator = r.uint32('numerator', 0);
  const denominator = r.enumValue('denominator', ['HUNDRED', 'TEN_THOUSAND', 'MILLION'], 'HUNDRED');
  const scale = denominator === 'HUNDRED' ? 100 : denominator === 'TEN_THOUSAND' ? 10_000 : 1_000_000;
  r.finish();
  return Math.min(numerator / scale, 1);
}

/** config.core.v3.RuntimeFractionalPercent: the default_value; runtime_key names a runtime override we don't have. */
export function readRuntimeFraction(r: MessageReader): number {
  const dv = r.message('default_value');
  const fraction = dv ? readFractionalPercent(dv) : 0;
  if (!dv) r.error('default_value', `'default_value' is required`);
  // runtime_key: there is no runtime layer, so the key never overrides default_value.
  r.finish(['runtime_key']);
  return fraction;
}

// ---------------------------------------------------------------------------------------------
// Header mutation

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const APPEND_ACTIONS: readonly HeaderAppendAction[] = [
  'APPEND_IF_EXISTS_OR_ADD',
  'ADD_IF_ABSENT',
  'OVERWRITE_IF_EXISTS_OR_ADD',
  'OVERWRITE_IF_EXISTS',
];

/** Lower-cases and checks a header name to be added or removed by configuration. */
export function checkMutableHeaderName(r: MessageReader, field: string, name: string, verb: string): string {
  const lower = name.toLowerCase();
  if (lower.startsWith(':') || lower === 'host')
    r.error(field, `:-prefixed or host headers may not be ${verb}`);
  else if (!HEADER_NAME.test(lower)) r.error(field, `invalid header name '${name}'`);
  return lower;
}

function readHeaderValueOption(r: MessageReader): HeaderValueOptionConfig {
  const h = r.message('header');
  let key = '';
  let value = '';
  if (!h) r.error('header', `'header' is required`);
  else {
    key = checkMutableHeaderName(h, 'key', h.requiredStr('key'), 'modified');
    const raw = h.str('raw_value');
    value = raw !== undefined ? Buffer.from(raw, 'base64').toString('latin1') : (h.str('value') ?? '');
    h.finish();
  }
  let appendAction: HeaderAppendAction = 'APPEND_IF_EXISTS_OR_ADD';
  if (r.has('append') && r.has('append_action')) {
    r.error('append', `both 'append' and 'append_action' are set and it's not allowed`);
  }
  if (r.has('append'))
    appendAction = r.bool('append', true) ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD';
  else appendAction = r.enumValue('append_action', APPEND_ACTIONS, 'APPEND_IF_EXISTS_OR_ADD');
  const keepEmptyValue = r.bool('keep_empty_value', false);
  r.finish();
  return { key, value, appendAction, keepEmptyValue };
}

/** `<prefix>_headers_to_add` and `<prefix>_headers_to_remove` of a message ('request' or 'response'). */
export function readHeaderMutation(r: MessageReader, prefix: 'request' | 'response'): HeaderMutationConfig {
  const add = r.messages(`${prefix}_headers_to_add`).map(readHeaderValueOption);
  const removeField = `${prefix}_headers_to_remove`;
  const remove = r
    .strings(removeField)
    .map((n, i) => checkMutableHeaderName(r, `${removeField}[${i}]`, n, 'removed'));
  return { add, remove };
}

// ---------------------------------------------------------------------------------------------

/** config.core.v3.DataSource. filename is read here, at config time, as Envoy does. */
export function readDataSource(r: MessageReader): string | undefined {
  const set = r.oneof(['filename', 'inline_string', 'inline_bytes', 'environment_variable'], 'specifier');
  let out: string | undefined;
  if (set === 'inline_string') out = r.str('inline_string');
  else if (set === 'inline_bytes') out = Buffer.from(r.str('inline_bytes') ?? '', 'base64').toString('utf8');
  else if (set === 'filename') {
    const file = r.str('filename') ?? '';
    try {
      out = r.ctx.readFile(file);
    } catch (e) {
      r.error('filename', `cannot read '${file}': ${e instanceof Error ? e.message : String(e)}`);
    }
  } else if (set === 'environment_variable')
    r.error('environment_variable', `'environment_variable' is not supported`);
  // watched_directory only matters for reloading changed files, which we do through SDS instead.
  r.finish(['watched_directory']);
  return out;
}

/**
 * config.core.v3.Metadata as its filter_metadata map (filter name → Struct), whichever spelling it
 * came in. typed_filter_metadata is opaque to this proxy (no extension reads it).
 */
export function readMetadata(r: MessageReader): Record<string, unknown> {
  const m = r.message('metadata');
  if (!m) return {};
  const out = m.map('filter_metadata') ?? {};
  m.finish(['typed_filter_metadata']);
  return out;
}

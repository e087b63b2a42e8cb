// config.route.v3.RouteMatch and the header / query parameter matchers inside it.
import type {
  HeaderMatcherConfig,
  HeaderMatchSpec,
  PathMatchConfig,
  QueryParameterMatcherConfig,
  RouteMatchConfig,
} from '../../config/index.ts';
import { readRegexMatcher, readRuntimeFraction, readStringMatcher } from './common.ts';
import type { MessageReader } from './reader.ts';

const PATH_SPECIFIERS = [
  'prefix',
  'path',
  'safe_regex',
  'path_separated_prefix',
  'connect_matcher',
  'path_match_policy',
];

export function readRouteMatch(r: MessageReader): RouteMatchConfig {
  const set = r.oneof(PATH_SPECIFIERS, 'path_specifier');
  let path: PathMatchConfig = { kind: 'prefix', value: '/' };
  if (set === undefined) {
    r.ctx.add(r.path, `route match needs one of prefix, path, safe_regex, path_separated_prefix`);
  } else if (set === 'connect_matcher' || set === 'path_match_policy') {
    r.error(set, `'${set}' is not supported`);
  } else if (set === 'safe_regex') {
    const m = r.message('safe_regex');
    path = { kind: 'safe_regex', value: m ? readRegexMatcher(m) : '' };
  } else {
    const value = r.str(set) ?? '';
    if (set !== 'prefix' && !value.startsWith('/'))
      r.error(set, `'${set}' must start with '/', got '${value}'`);
    if (set === 'path_separated_prefix' && (value.endsWith('/') || /[?#]/.test(value))) {
      r.error(set, `'path_separated_prefix' must not end with '/' or contain '?' or '#'`);
    }
    path = { kind: set, value } as PathMatchConfig;
  }
  const caseSensitive = r.bool('case_sensitive', true);
  const headers = r.messages('headers').map(readHeaderMatcher);
  const queryParameters = r.messages('query_parameters').map(readQueryParameterMatcher);
  const grpcOptions = r.message('grpc');
  grpcOptions?.finish();
  const rf = r.message('runtime_fraction');
  const out: RouteMatchConfig = {
    path,
    caseSensitive,
    headers,
    queryParameters,
    grpc: grpcOptions !== undefined,
  };
  if (rf) out.fraction = readRuntimeFraction(rf);
  if (r.has('tls_context')) r.error('tls_context', `'tls_context' route matching is not supported`);
  if (r.has('dynamic_metadata'))
    r.error('dynamic_metadata', `'dynamic_metadata' route matching is not supported`);
  if (r.has('filter_state')) r.error('filter_state', `'filter_state' route matching is not supported`);
  r.finish();
  return out;
}

const HEADER_SPECIFIERS = [
  'exact_match',
  'safe_regex_match',
  'range_match',
  'present_match',
  'prefix_match',
  'suffix_match',
  'contains_match',
  'string_match',
] as const;

/** config.route.v3.HeaderMatcher; the deprecated *_match forms map onto the StringMatcher kinds. */
export function readHeaderMatcher(r: MessageReader): HeaderMatcherConfig {
  const name = r.requiredStr('name', 'header matcher name').toLowerCase();
  const set = r.oneof(HEADER_SPECIFIERS, 'header_match_specifier');
  const invert = r.bool('invert_match', false);
  const treatMissingAsEmpty = r.bool('treat_missing_header_as_empty', false);
  let spec: HeaderMatchSpec = { kind: 'present', present: true };
  switch (set) {
    case undefined:
      // No specifier: Envoy matches when the header is present.
      break;
    case 'present_match':
      spec = { kind: 'present', present: r.bool('present_match', true) };
      break;
    case 'range_match': {
      const m = r.message('range_match');
      if (m) {
        const start = m.int64('start', 0);
        const end = m.int64('end', 0);
        if (end <= start)
          m.error('end', `range_match 'end' (${end}) must be greater than 'start' (${start})`);
        m.finish();
        spec = { kind: 'range', start, end };
      }
      break;
    }
    case 'string_match': {
      const m = r.message('string_match');
      if (m) spec = { kind: 'string', matcher: readStringMatcher(m) };
      break;
    }
    case 'safe_regex_match': {
      const m = r.message('safe_regex_match');
      spec = {
        kind: 'string',
        matcher: { kind: 'regex', value: m ? readRegexMatcher(m) : '', ignoreCase: false },
      };
      break;
    }
    default: {
      const kind =
        set === 'exact_match'
          ? 'exact'
          : (set.slice(0, set.indexOf('_')) as 'prefix' | 'suffix' | 'contains');
      const value = r.str(set) ?? '';
      if (value === '' && kind !== 'exact') r.error(set, `'${set}' must be non-empty`);
      spec = { kind: 'string', matcher: { kind, value, ignoreCase: false } };
    }
  }
  r.finish();
  return { name, spec, invert, treatMissingAsEmpty };
}

/** config.route.v3.QueryParameterMatcher. */
export function readQueryParameterMatcher(r: MessageReader): QueryParameterMatcherConfig {
  const name = r.requiredStr('name', 'query parameter name');
  const set = r.oneof(['string_match', 'present_match'], 'query_parameter_match_specifier');
  const out: QueryParameterMatcherConfig = { name, presentMatch: false };
  if (set === 'string_match') {
    const m = r.message('string_match');
    if (m) out.matcher = readStringMatcher(m);
  } else if (set === 'present_match') {
    out.presentMatch = r.bool('present_match', false);
  } else {
    r.ctx.add(r.path, `query parameter matcher '${name}' needs 'string_match' or 'present_match'`);
  }
  r.finish();
  return out;
}

// RouteMatch compiled: path (prefix, path, safe_regex, path_separated_prefix), headers, query
// parameters, grpc and runtime fraction, each turned into a closure once. `explain` gives the
// first reason a route does not match, for `weft proxy-config` and tests.

import type {
  HeaderMatcherConfig,
  PathMatchConfig,
  QueryParameterMatcherConfig,
  RouteMatchConfig,
} from '../config/index.ts';
import { asciiLower, equalsIgnoreCase, startsWithIgnoreCase } from './ascii.ts';
import { queryParam } from './query.ts';
import { compileRegex, type RegexResult } from './regex.ts';
import { compileStringMatcher, describeStringMatcher, type StringMatchFn } from './string-matcher.ts';
import type { RequestView } from './types.ts';

/** Per-request values computed once by the table and shared by every route tried. */
export interface MatchInput {
  req: RequestView;
  /** Index of '?' in req.path, -1 when there is no query. */
  queryStart: number;
  /** req.path without the query string. */
  pathNoQuery: string;
  random: number;
}

export interface CompiledMatch {
  /**
   * The path test as data, so the table's loop can run the common cases (case-sensitive prefix
   * and exact path) inline at one monomorphic call site: 'other' means call pathTest.
   */
  readonly pathKind: 'prefix' | 'path' | 'other';
  readonly pathValue: string;
  readonly pathTest: PathFn;
  /** Everything but the path (headers, query, grpc, fraction); undefined when there is nothing. */
  readonly rest: ((input: MatchInput) => boolean) | undefined;
  matches(input: MatchInput): boolean;
  /** Undefined when the route matches, else why not. */
  explain(input: MatchInput): string | undefined;
}

export type PathFn = (path: string, queryStart: number, pathNoQuery: string) => boolean;

function compilePath(p: PathMatchConfig, caseSensitive: boolean): RegexResult<PathFn> {
  const v = caseSensitive ? p.value : asciiLower(p.value);
  switch (p.kind) {
    case 'prefix':
      // Envoy compares the prefix with the whole :path, query included.
      return {
        ok: true,
        value: caseSensitive ? (path) => path.startsWith(v) : (path) => startsWithIgnoreCase(path, v),
      };
    case 'path':
      return {
        ok: true,
        value: caseSensitive
          ? (_path, _q, noQuery) => noQuery === v
          : (_path, _q, noQuery) => equalsIgnoreCase(noQuery, noQuery.length, v),
      };
    case 'path_separated_prefix': {
      if (v.endsWith('/'))
        return { ok: false, error: `path_separated_prefix ${JSON.stringify(v)} must not end with '/'` };
      if (!v.startsWith('/'))
        return { ok: false, error: `path_separated_prefix ${JSON.stringify(v)} must start with '/'` };
      const len = v.length;
      return {
        ok: true,
        value: (_path, _q, noQuery) =>
          (caseSensitive ? noQuery.startsWith(v) : startsWithIgnoreCase(noQuery, v)) &&
          (noQuery.length === len || noQuery.charCodeAt(len) === 47),
      };
    }
    case 'safe_regex': {
      // case_sensitive does not apply to regexes (Envoy); the whole path without query must match.
      const re = compileRegex(p.value);
      if (!re.ok) return re;
      const regex = re.value;
      return { ok: true, value: (_path, _q, noQuery) => regex.fullMatch(noQuery) };
    }
  }
}

type Getter = (req: RequestView) => string | undefined;

function headerGetter(name: string): Getter {
  switch (name) {
    case ':method':
      return (r) => r.method;
    case ':authority':
      return (r) => r.authority;
    case ':path':
      return (r) => r.path;
    case ':scheme':
      return (r) => r.scheme;
    default:
      // Several values are matched joined with ',' (Envoy's getAllOfHeaderAsString).
      return (r) => r.headers.getJoined(name);
  }
}

const INTEGER = /^\s*[-+]?\d+\s*$/;

type HeaderFn = (req: RequestView) => boolean;

function compileHeader(h: HeaderMatcherConfig): RegexResult<HeaderFn> {
  const get = headerGetter(h.name);
  const invert = h.invert;
  const missingAsEmpty = h.treatMissingAsEmpty;
  const spec = h.spec;
  if (spec.kind === 'present') {
    const want = spec.present;
    // present_match false matches an absent header; invert flips either way.
    return {
      ok: true,
      value: (req) => {
        const v = get(req);
        const present = v !== undefined || missingAsEmpty;
        return (present === want) !== invert;
      },
    };
  }
  let test: StringMatchFn;
  if (spec.kind === 'range') {
    const { start, end } = spec;
    if (!(start < end)) return { ok: false, error: `range [${start}, ${end}) is empty` };
    test = (v) => {
      if (!INTEGER.test(v)) return false;
      const n = Number(v);
      return n >= start && n < end;
    };
  } else {
    const sm = compileStringMatcher(spec.matcher);
    if (!sm.ok) return sm;
    test = sm.value;
  }
  return {
    ok: true,
    value: (req) => {
      let v = get(req);
      if (v === undefined) {
        // Envoy: a missing header fails a value match whatever invert says.
        if (!missingAsEmpty) return false;
        v = '';
      }
      return test(v) !== invert;
    },
  };
}

type QueryFn = (req: RequestView, queryStart: number) => boolean;

function compileQuery(q: QueryParameterMatcherConfig): RegexResult<QueryFn> {
  const name = q.name;
  if (q.matcher === undefined) {
    if (!q.presentMatch) return { ok: false, error: `query parameter ${JSON.stringify(name)} has no match` };
    return { ok: true, value: (req, qs) => queryParam(req.path, qs, name) !== undefined };
  }
  const sm = compileStringMatcher(q.matcher);
  if (!sm.ok) return sm;
  const test = sm.value;
  return {
    ok: true,
    value: (req, qs) => {
      const v = queryParam(req.path, qs, name);
      return v !== undefined && test(v);
    },
  };
}

/** Envoy's gRPC request test: content-type application/grpc, optionally followed by '+…' or ';…'. */
export function isGrpcRequest(req: RequestView): boolean {
  const ct = req.headers.get('content-type');
  if (ct === undefined || !ct.startsWith('application/grpc')) return false;
  if (ct.length === 16) return true;
  const c = ct.charCodeAt(16);
  return c === 43 || c === 59;
}

function describeHeader(h: HeaderMatcherConfig): string {
  const s = h.spec;
  const what =
    s.kind === 'present'
      ? `present ${s.present}`
      : s.kind === 'range'
        ? `range [${s.start}, ${s.end})`
        : describeStringMatcher(s.matcher);
  return `header ${h.name} ${h.invert ? 'not ' : ''}${what}`;
}

/** Compiles a RouteMatch; errors are prefixed with the field they concern. */
export function compileMatch(
  m: RouteMatchConfig,
): { ok: true; value: CompiledMatch } | { ok: false; field: string; error: string } {
  const path = compilePath(m.path, m.caseSensitive);
  if (!path.ok) return { ok: false, field: 'path', error: path.error };
  const pathFn = path.value;
  const headerFns: HeaderFn[] = [];
  for (let i = 0; i < m.headers.length; i++) {
    const h = compileHeader(m.headers[i]!);
    if (!h.ok) return { ok: false, field: `headers[${i}]`, error: h.error };
    headerFns.push(h.value);
  }
  const queryFns: QueryFn[] = [];
  for (let i = 0; i < m.queryParameters.length; i++) {
    const q = compileQuery(m.queryParameters[i]!);
    if (!q.ok) return { ok: false, field: `queryParameters[${i}]`, error: q.error };
    queryFns.push(q.value);
  }
  const grpc = m.grpc;
  const fraction = m.fraction;
  if (fraction !== undefined && !(fraction >= 0 && fraction <= 1)) {
    return { ok: false, field: 'fraction', error: `runtime fraction ${fraction} is not within [0, 1]` };
  }
  const nHeaders = headerFns.length;
  const nQuery = queryFns.length;

  const rest = (input: MatchInput): boolean => {
    const req = input.req;
    for (let i = 0; i < nHeaders; i++) if (!headerFns[i]!(req)) return false;
    for (let i = 0; i < nQuery; i++) if (!queryFns[i]!(req, input.queryStart)) return false;
    if (grpc && !isGrpcRequest(req)) return false;
    if (fraction !== undefined && !(input.random < fraction)) return false;
    return true;
  };
  const hasRest = nHeaders > 0 || nQuery > 0 || grpc || fraction !== undefined;
  const matches = (input: MatchInput): boolean =>
    pathFn(input.req.path, input.queryStart, input.pathNoQuery) && (!hasRest || rest(input));
  const fast = m.caseSensitive && (m.path.kind === 'prefix' || m.path.kind === 'path');

  const explain = (input: MatchInput): string | undefined => {
    const req = input.req;
    if (!pathFn(req.path, input.queryStart, input.pathNoQuery)) {
      const cs = m.caseSensitive || m.path.kind === 'safe_regex' ? '' : ' (case insensitive)';
      return `path ${m.path.kind} ${JSON.stringify(m.path.value)}${cs} does not match ${JSON.stringify(req.path)}`;
    }
    for (let i = 0; i < nHeaders; i++) {
      if (!headerFns[i]!(req)) return `${describeHeader(m.headers[i]!)} does not match`;
    }
    for (let i = 0; i < nQuery; i++) {
      if (!queryFns[i]!(req, input.queryStart)) {
        const q = m.queryParameters[i]!;
        const what = q.matcher ? describeStringMatcher(q.matcher) : 'present';
        return `query parameter ${q.name} ${what} does not match`;
      }
    }
    if (grpc && !isGrpcRequest(req)) return 'not a gRPC request (content-type application/grpc)';
    if (fraction !== undefined && !(input.random < fraction)) {
      return `runtime fraction ${fraction} not selected (random ${input.random})`;
    }
    return undefined;
  };
  return {
    ok: true,
    value: {
      pathKind: fast ? (m.path.kind as 'prefix' | 'path') : 'other',
      pathValue: m.path.value,
      pathTest: pathFn,
      rest: hasRest ? rest : undefined,
      matches,
      explain,
    },
  };
}

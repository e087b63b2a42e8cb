// One VirtualService HTTP route: what it does (route, redirect, direct response or delegate, in
// Istio's allowed combinations), its matches, retries, fault injection, mirrors, CORS and header
// operations. Durations here are checked by the CRD's CEL rules, so they are not repeated.
import { grpcStatusCode } from '../../util/grpc-status/index.ts';
import type { FieldPath } from '../issue.ts';
import { checkHeaderName, checkPercent, checkPort, checkRegex } from './checks.ts';
import { at, checkLabelsAt } from './common.ts';
import { checkDestination, checkPercentage, checkWeightedDestinations } from './destination.ts';
import { isDnsLabel, isDnsSubdomain } from './hosts.ts';
import type { Report } from './report.ts';
import { entries, has, list, num, type Obj, obj, str, strings } from './values.ts';

/** Envoy's and Istio's retry policies (x-envoy-retry-on and x-envoy-retry-grpc-on). */
const RETRY_ON: ReadonlySet<string> = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'envoy-ratelimited',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

const HTTP_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);

export interface HttpRouteContext {
  /** The VirtualService has no hosts: it is a delegate, which cannot delegate further. */
  isDelegate: boolean;
}

export function checkHttpRoute(report: Report, path: FieldPath, route: Obj, ctx: HttpRouteContext): void {
  checkActions(report, path, route, ctx);
  list(route['match']).forEach((m, i) => {
    const match = obj(m);
    if (match) checkMatch(report, [...path, 'match', i], match);
  });
  checkWeightedDestinations(report, [...path, 'route'], list(route['route']));
  checkRetries(report, [...path, 'retries'], obj(route['retries']));
  checkFault(report, [...path, 'fault'], obj(route['fault']));
  checkMirrors(report, path, route);
  checkCors(report, [...path, 'corsPolicy'], obj(route['corsPolicy']));
  checkHeaderOperations(report, [...path, 'headers'], route['headers']);
  list(route['route']).forEach((r, i) => {
    checkHeaderOperations(report, [...path, 'route', i, 'headers'], obj(r)?.['headers']);
  });
}

function checkActions(report: Report, path: FieldPath, route: Obj, ctx: HttpRouteContext): void {
  const hasRoute = list(route['route']).length > 0;
  const redirect = obj(route['redirect']);
  const direct = obj(route['directResponse']);
  const delegate = obj(route['delegate']);
  if (!hasRoute && !redirect && !direct && !delegate) {
    report.error(path, 'HTTP route must have a route, redirect, directResponse or delegate');
  }
  if (hasRoute && redirect)
    report.error([...path, 'redirect'], 'HTTP route cannot contain both route and redirect');
  if (hasRoute && direct) {
    report.error([...path, 'directResponse'], 'HTTP route cannot contain both route and directResponse');
  }
  if (redirect && direct) {
    report.error([...path, 'directResponse'], 'HTTP route cannot contain both redirect and directResponse');
  }
  if (redirect && has(route, 'rewrite')) {
    report.error([...path, 'rewrite'], 'HTTP route cannot contain both rewrite and redirect');
  }
  if (delegate && (hasRoute || redirect || direct)) {
    report.error(
      [...path, 'delegate'],
      'HTTP route cannot contain delegate together with route, redirect or directResponse',
    );
  }
  if (redirect) checkRedirect(report, [...path, 'redirect'], redirect);
  if (direct) {
    const status = num(direct['status']);
    if (status !== undefined && (status < 200 || status > 599)) {
      report.error(
        [...path, 'directResponse', 'status'],
        `directResponse status ${status} must be in the range 200..599`,
      );
    }
  }
  if (delegate) {
    if (ctx.isDelegate) {
      report.error(
        [...path, 'delegate'],
        'a delegate VirtualService (one without hosts) cannot delegate again',
      );
    }
    const name = str(delegate['name']);
    if (!name) report.error([...path, 'delegate', 'name'], 'delegate name is required');
    else if (!isDnsSubdomain(name))
      report.error([...path, 'delegate', 'name'], `delegate name "${name}" is not a valid resource name`);
    const ns = str(delegate['namespace']);
    if (ns !== undefined && ns !== '' && !isDnsLabel(ns)) {
      report.error(
        [...path, 'delegate', 'namespace'],
        `delegate namespace "${ns}" is not a valid namespace name`,
      );
    }
  }
  const rewrite = obj(route['rewrite']);
  if (rewrite) {
    if (has(rewrite, 'uri') && has(rewrite, 'uriRegexRewrite')) {
      report.error([...path, 'rewrite'], 'rewrite may only contain one of uri or uriRegexRewrite');
    }
    const regexRewrite = obj(rewrite['uriRegexRewrite']);
    const match = str(regexRewrite?.['match']);
    if (match !== undefined) at(report, [...path, 'rewrite', 'uriRegexRewrite', 'match'], checkRegex(match));
  }
}

function checkRedirect(report: Report, path: FieldPath, redirect: Obj): void {
  const code = num(redirect['redirectCode']);
  if (code !== undefined && code !== 0 && (code < 300 || code > 399)) {
    report.error([...path, 'redirectCode'], `${code} is not a valid redirect code, must be 3xx`);
  }
  at(report, [...path, 'port'], checkPort(redirect['port']));
  const targets = ['uri', 'authority', 'scheme', 'port', 'derivePort'];
  if (!targets.some((k) => has(redirect, k))) {
    report.error(path, 'redirect must specify uri, authority, scheme, port or derivePort');
  }
}

const STRING_MATCH_FIELDS = ['uri', 'scheme', 'method', 'authority'];

function checkStringMatch(report: Report, path: FieldPath, value: unknown): void {
  const match = obj(value);
  const regex = str(match?.['regex']);
  if (regex !== undefined) at(report, [...path, 'regex'], checkRegex(regex));
}

function checkMatch(report: Report, path: FieldPath, match: Obj): void {
  for (const field of STRING_MATCH_FIELDS) checkStringMatch(report, [...path, field], match[field]);
  for (const field of ['headers', 'withoutHeaders']) {
    for (const [name, value] of entries(match[field])) {
      // Pseudo-headers such as ':authority' may be matched; other names are lower-case tokens.
      if (!name.startsWith(':') || name.length === 1)
        at(report, [...path, field, name], checkHeaderName(name));
      checkStringMatch(report, [...path, field, name], value);
    }
  }
  for (const [name, value] of entries(match['queryParams'])) {
    if (name === '') report.error([...path, 'queryParams'], 'query parameter name must not be empty');
    checkStringMatch(report, [...path, 'queryParams', name], value);
  }
  at(report, [...path, 'port'], checkPort(match['port']));
  checkLabelsAt(report, [...path, 'sourceLabels'], match['sourceLabels']);
}

function checkRetries(report: Report, path: FieldPath, retries: Obj | undefined): void {
  if (!retries) return;
  const attempts = num(retries['attempts']);
  if (attempts !== undefined && attempts < 0) {
    report.error([...path, 'attempts'], `retry attempts must not be negative, got ${attempts}`);
  }
  const retryOn = str(retries['retryOn']);
  // Istio checks retryOn only when it is non-empty: "" means the default conditions.
  if (!retryOn) return;
  for (const raw of retryOn.split(',')) {
    const policy = raw.trim();
    if (RETRY_ON.has(policy)) continue;
    const code = /^\d+$/.test(policy) ? Number(policy) : Number.NaN;
    if (code >= 100 && code <= 599) continue;
    report.error(
      [...path, 'retryOn'],
      `"${policy}" is not a valid retryOn policy`,
      `use a comma-separated list of ${[...RETRY_ON].join(', ')} or HTTP status codes`,
    );
  }
}

function checkFault(report: Report, path: FieldPath, fault: Obj | undefined): void {
  if (!fault) return;
  const abort = obj(fault['abort']);
  const delay = obj(fault['delay']);
  if (!abort && !delay) report.error(path, 'fault injection must specify an abort or a delay');
  if (delay) {
    if (has(delay, 'exponentialDelay')) {
      report.error(
        [...path, 'delay', 'exponentialDelay'],
        'exponentialDelay is not supported',
        'use fixedDelay',
      );
    } else if (!has(delay, 'fixedDelay')) {
      report.error([...path, 'delay'], 'fault delay must specify fixedDelay');
    }
    at(report, [...path, 'delay', 'percent'], checkPercent(delay['percent']));
    checkPercentage(report, [...path, 'delay', 'percentage'], delay['percentage']);
  }
  if (abort) {
    const status = num(abort['httpStatus']);
    const grpc = str(abort['grpcStatus']);
    if (status === undefined && grpc === undefined && !has(abort, 'http2Error')) {
      report.error([...path, 'abort'], 'fault abort must specify httpStatus or grpcStatus');
    }
    if (status !== undefined && (!Number.isInteger(status) || status < 200 || status > 599)) {
      report.error(
        [...path, 'abort', 'httpStatus'],
        `invalid abort httpStatus ${status}: must be in the range 200..599`,
      );
    }
    if (grpc !== undefined && grpcStatusCode(grpc) === undefined) {
      report.error(
        [...path, 'abort', 'grpcStatus'],
        `"${grpc}" is not a gRPC status code name`,
        'e.g. UNAVAILABLE',
      );
    }
    if (has(abort, 'http2Error'))
      report.error([...path, 'abort', 'http2Error'], 'http2Error aborts are not supported');
    checkPercentage(report, [...path, 'abort', 'percentage'], abort['percentage']);
  }
}

function checkMirrors(report: Report, path: FieldPath, route: Obj): void {
  const mirrors = list(route['mirrors']);
  if (has(route, 'mirror') && mirrors.length > 0) {
    report.error([...path, 'mirrors'], 'only one of mirror or mirrors can be set');
  }
  if (has(route, 'mirror')) checkDestination(report, [...path, 'mirror'], route['mirror']);
  checkPercentage(report, [...path, 'mirrorPercentage'], route['mirrorPercentage']);
  at(report, [...path, 'mirrorPercent'], checkPercent(route['mirrorPercent']));
  mirrors.forEach((m, i) => {
    const mirror = obj(m);
    if (!mirror) return;
    checkDestination(report, [...path, 'mirrors', i, 'destination'], mirror['destination']);
    checkPercentage(report, [...path, 'mirrors', i, 'percentage'], mirror['percentage']);
  });
}

function checkCors(report: Report, path: FieldPath, cors: Obj | undefined): void {
  if (!cors) return;
  list(cors['allowOrigins']).forEach((o, i) => {
    const origin = obj(o);
    if (origin && !has(origin, 'exact') && !has(origin, 'prefix') && !has(origin, 'regex')) {
      report.error([...path, 'allowOrigins', i], 'allowOrigins entry must set exact, prefix or regex');
    }
    checkStringMatch(report, [...path, 'allowOrigins', i], o);
  });
  strings(cors['allowMethods']).forEach((method, i) => {
    if (!HTTP_METHODS.has(method)) {
      report.error([...path, 'allowMethods', i], `"${method}" is not a supported HTTP method`);
    }
  });
  for (const field of ['allowHeaders', 'exposeHeaders']) {
    strings(cors[field]).forEach((name, i) => {
      at(report, [...path, field, i], checkHeaderName(name.toLowerCase()));
    });
  }
}

function checkHeaderOperations(report: Report, path: FieldPath, value: unknown): void {
  const headers = obj(value);
  if (!headers) return;
  for (const side of ['request', 'response']) {
    const ops = obj(headers[side]);
    if (!ops) continue;
    // As Istio: a request's set/add may name the authority (':authority' or Host: a host rewrite);
    // its remove, and every response operation, may name neither Host nor a pseudo-header.
    const mayNameAuthority = side === 'request';
    for (const op of ['set', 'add']) {
      for (const [name] of entries(ops[op]))
        checkManipulatedHeader(report, [...path, side, op, name], name, mayNameAuthority);
    }
    strings(ops['remove']).forEach((name, i) => {
      checkManipulatedHeader(report, [...path, side, 'remove', i], name, false);
    });
  }
}

function checkManipulatedHeader(
  report: Report,
  path: FieldPath,
  name: string,
  mayNameAuthority: boolean,
): void {
  const lower = name.toLowerCase();
  const authority = lower === ':authority' || lower === 'host';
  if (authority && mayNameAuthority) return;
  if (lower === 'host') {
    report.error(
      path,
      `invalid header "${name}": cannot set Host header`,
      'rewrite the authority with a request set of ":authority" or rewrite.authority',
    );
    return;
  }
  if (name.startsWith(':')) {
    report.error(
      path,
      `invalid header "${name}": pseudo-header cannot be manipulated (header cannot have ":" prefix)`,
    );
    return;
  }
  at(report, path, checkHeaderName(lower));
}

// Header propagation. The mesh can only join a request's spans into one trace, and route by user,
// if each app copies these headers from the request it is serving onto the requests it makes. The
// set is the one Istio's bookinfo apps forward: request id, the tracing formats Istio's tracers
// use, and the application headers the routing tasks match on.
import type { IncomingHttpHeaders } from 'node:http';

export const TRACE_HEADERS: readonly string[] = [
  'x-request-id',
  'traceparent',
  'tracestate',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
  'x-ot-span-context',
  'x-datadog-trace-id',
  'x-datadog-parent-id',
  'x-datadog-sampling-priority',
  'x-cloud-trace-context',
  'grpc-trace-bin',
  'sw8',
];

/** Application headers forwarded as they came: who calls (routing by user-agent) and credentials. */
export const APP_HEADERS: readonly string[] = ['end-user', 'user-agent', 'cookie', 'authorization', 'jwt'];

/** Picks the headers of `incoming` named in `names` (lower-case), joined if repeated. */
export function pickHeaders(incoming: IncomingHttpHeaders, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const v = incoming[name];
    if (v === undefined) continue;
    out[name] = Array.isArray(v) ? v.join(name === 'cookie' ? '; ' : ', ') : v;
  }
  return out;
}

/** Everything an app forwards downstream of `incoming`. */
export function forwardHeaders(incoming: IncomingHttpHeaders): Record<string, string> {
  return { ...pickHeaders(incoming, TRACE_HEADERS), ...pickHeaders(incoming, APP_HEADERS) };
}

// envoy.extensions.filters.http.fault.v3.HTTPFault, from its JSON form (snake_case or camelCase,
// durations as '1.5s' or {seconds, nanos}), compiled to what the filter needs per request.
// Supported: delay.fixed_delay, abort.http_status / abort.grpc_status, their FractionalPercent
// percentages (HUNDRED, TEN_THOUSAND, MILLION; absent means 0 %, the proto default), and
// max_active_faults. Header-controlled faults, `headers`, `upstream_cluster`, `downstream_nodes`
// and `response_rate_limit` are not implemented (compileFault reports them).

import { field, fractionalPercent, obj, type Percent } from '../json.ts';

export type FaultPercent = Percent;

export interface CompiledFault {
  delayMs: number | undefined;
  delayPercent: FaultPercent;
  abortStatus: number | undefined;
  abortGrpcStatus: number | undefined;
  abortPercent: FaultPercent;
  maxActiveFaults: number | undefined;
}

const UNSUPPORTED = ['headers', 'upstream_cluster', 'downstream_nodes', 'response_rate_limit'];

function durationMs(v: unknown): number | undefined {
  if (typeof v === 'string') {
    const m = /^(\d+(?:\.\d+)?)s$/.exec(v);
    return m ? Math.round(Number(m[1]) * 1000) : undefined;
  }
  const o = obj(v);
  if (!o) return undefined;
  return Number(o['seconds'] ?? 0) * 1000 + Math.round(Number(o['nanos'] ?? 0) / 1e6);
}

/** The compiled fault, or the reasons it cannot be served. */
export function compileFault(
  raw: unknown,
): { ok: true; fault: CompiledFault } | { ok: false; errors: string[] } {
  const o = obj(raw) ?? {};
  const errors: string[] = [];
  for (const f of UNSUPPORTED) if (field(o, f) !== undefined) errors.push(`fault: '${f}' is not supported`);
  const fault: CompiledFault = {
    delayMs: undefined,
    delayPercent: { numerator: 0, denominator: 100 },
    abortStatus: undefined,
    abortGrpcStatus: undefined,
    abortPercent: { numerator: 0, denominator: 100 },
    maxActiveFaults: undefined,
  };
  const delay = obj(field(o, 'delay'));
  if (delay) {
    if (field(delay, 'header_delay') !== undefined)
      errors.push(`fault: 'delay.header_delay' is not supported`);
    fault.delayMs = durationMs(field(delay, 'fixed_delay'));
    fault.delayPercent = fractionalPercent(field(delay, 'percentage'));
  }
  const abort = obj(field(o, 'abort'));
  if (abort) {
    if (field(abort, 'header_abort') !== undefined)
      errors.push(`fault: 'abort.header_abort' is not supported`);
    const http = field(abort, 'http_status');
    const grpc = field(abort, 'grpc_status');
    if (http !== undefined) {
      const s = Number(http);
      if (!(Number.isInteger(s) && s >= 200 && s < 600))
        errors.push(`fault: abort.http_status ${s} is not in [200, 600)`);
      else fault.abortStatus = s;
    } else if (grpc !== undefined) fault.abortGrpcStatus = Number(grpc);
    fault.abortPercent = fractionalPercent(field(abort, 'percentage'));
  }
  const max = field(o, 'max_active_faults');
  if (max !== undefined) fault.maxActiveFaults = Number(obj(max)?.['value'] ?? max);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, fault };
}

// envoy.filters.http.fault: injects a fixed delay and/or an abort on a share of requests, from the
// route's typed_per_filter_config (which replaces, not merges with, the filter-level HTTPFault).
// A delay holds the request (response flag DI), then the abort if any answers locally (FI) with
// Envoy's 'fault filter abort' body, or a trailers-only gRPC answer for grpc_status.
// Stats: http.<stat_prefix>.fault.delays_injected / aborts_injected / active_faults.
import { HeaderMap } from '../../../headers/index.ts';
import { type Counter, type Gauge, ResponseFlag } from '../../../observe/index.ts';
import {
  type FilterHeadersStatus,
  type FilterStream,
  type HttpFilter,
  type HttpFilterContext,
  registerHttpFilter,
} from '../../filter.ts';
import { hit } from '../json.ts';
import { type CompiledFault, compileFault } from './config.ts';

const NAME = 'envoy.filters.http.fault';
const ALIASES = [NAME, 'envoy.fault'];
const ABORT_BODY = 'fault filter abort';

interface FaultStats {
  delays: Counter;
  aborts: Counter;
  active: Gauge;
}

class FaultFilter implements HttpFilter {
  readonly name = NAME;
  private readonly fault: CompiledFault;
  private readonly stats: FaultStats;

  constructor(fault: CompiledFault, stats: FaultStats) {
    this.fault = fault;
    this.stats = stats;
  }

  onRequestHeaders(stream: FilterStream): FilterHeadersStatus {
    const f = this.fault;
    const max = f.maxActiveFaults;
    if (max !== undefined && this.stats.active.value >= max) return 'continue';
    if (f.delayMs !== undefined && hit(f.delayPercent, Math.random())) {
      this.stats.delays.inc();
      this.stats.active.inc();
      stream.info.responseFlags |= ResponseFlag.DelayInjected;
      const timer = setTimeout(() => {
        this.stats.active.dec();
        if (!this.maybeAbort(stream)) stream.continueDecoding();
      }, f.delayMs);
      timer.unref();
      return 'stop';
    }
    return this.maybeAbort(stream) ? 'stop' : 'continue';
  }

  /** Answers the request when the abort fault hits; true when it did. */
  private maybeAbort(stream: FilterStream): boolean {
    const f = this.fault;
    if (f.abortStatus === undefined && f.abortGrpcStatus === undefined) return false;
    if (!hit(f.abortPercent, Math.random())) return false;
    this.stats.aborts.inc();
    if (f.abortStatus !== undefined) {
      stream.sendLocalReply(f.abortStatus, ABORT_BODY, 'fault_filter_abort', ResponseFlag.FaultInjected);
      return true;
    }
    // gRPC: a trailers-only response, HTTP 200 with the status in the headers.
    const extra = new HeaderMap();
    extra.add('content-type', 'application/grpc');
    extra.add('grpc-status', String(f.abortGrpcStatus));
    extra.add('grpc-message', ABORT_BODY);
    stream.sendLocalReply(200, '', 'fault_filter_abort', ResponseFlag.FaultInjected, extra);
    return true;
  }
}

function hasFault(f: CompiledFault): boolean {
  return f.delayMs !== undefined || f.abortStatus !== undefined || f.abortGrpcStatus !== undefined;
}

registerHttpFilter({
  name: NAME,
  validate(config) {
    const c = compileFault(config);
    return c.ok ? [] : c.errors;
  },
  forRoute(listenerConfig, route, ctx: HttpFilterContext) {
    let raw: unknown = listenerConfig;
    for (const n of ALIASES) if (route.perFilterConfig[n] !== undefined) raw = route.perFilterConfig[n];
    const compiled = compileFault(raw);
    // validate() refused configs that do not compile when they arrived, so this is not reached
    // with one; a route without a delay or an abort gets no filter at all.
    if (!compiled.ok || !hasFault(compiled.fault)) return undefined;
    const s = ctx.stats.scope('fault.');
    return new FaultFilter(compiled.fault, {
      delays: s.counter('delays_injected'),
      aborts: s.counter('aborts_injected'),
      active: s.gauge('active_faults'),
    });
  },
});

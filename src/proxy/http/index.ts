// The HTTP connection manager (Envoy's HCM) over our own HTTP/1.1 codec. The listener compiles
// an HCM per filter chain (compileHcm) and hands each accepted socket to serveHttp1.
import type { Socket } from 'node:net';
import { Http1Connection } from './connection.ts';
import type { CompiledHcm } from './hcm-config.ts';
import type { DownstreamInfo } from './stream-types.ts';

export { type AccessLogSink, openAccessLogs } from './access-log.ts';
export {
  type FilterHeadersStatus,
  type FilterRequest,
  type FilterResponse,
  type FilterStream,
  type HttpFilter,
  type HttpFilterFactory,
  registerHttpFilter,
} from './filter.ts';
export {
  type ClusterLookup,
  type CompiledHcm,
  compileHcm,
  type HcmStats,
  type HttpEngineContext,
} from './hcm-config.ts';
export type { DownstreamInfo } from './stream-types.ts';

/** Serves HTTP/1.1 on an accepted (and, for TLS, already terminated) socket. */
export function serveHttp1(
  socket: Socket,
  hcm: CompiledHcm,
  downstream: DownstreamInfo,
  initial?: Buffer,
): void {
  new Http1Connection(socket, hcm, downstream, initial);
}

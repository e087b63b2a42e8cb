// The HTTP connection manager (Envoy's HCM) over our own HTTP/1.1 codec. The listener compiles
// an HCM per filter chain (compileHcm), keeps it in a provider that updates swap, and hands each
// accepted socket to serveHttp1 with that provider.
import type { Socket } from 'node:net';
import { Http1Connection } from './connection.ts';
import type { HcmProvider } from './hcm-config.ts';
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
  type HcmProvider,
  type HcmStats,
  type HttpEngineContext,
} from './hcm-config.ts';
export type { DownstreamInfo } from './stream-types.ts';

/** Serves HTTP/1.1 on an accepted (and, for TLS, already terminated) socket. */
export function serveHttp1(
  socket: Socket,
  provider: HcmProvider,
  downstream: DownstreamInfo,
  initial?: Buffer,
): void {
  new Http1Connection(socket, provider, downstream, initial);
}

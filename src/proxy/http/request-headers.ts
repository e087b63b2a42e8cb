// The connection manager's request header edits, as Envoy makes them before routing:
// x-forwarded-for / x-forwarded-proto (use_remote_address), x-request-id.
import type { HttpConnectionManagerConfig } from '../config/index.ts';
import type { HeaderMap } from '../headers/index.ts';
import { newRequestId } from '../request-id/index.ts';
import { honoursEnvoyHeaders } from './filters/index.ts';

export function mutateRequestHeaders(
  headers: HeaderMap,
  config: HttpConnectionManagerConfig,
  remoteIp: string,
  scheme: 'http' | 'https',
): void {
  if (config.useRemoteAddress) {
    if (!config.skipXffAppend) {
      const xff = headers.getJoined('x-forwarded-for');
      headers.set('x-forwarded-for', xff === undefined ? remoteIp : xff + ',' + remoteIp);
    }
    // At the edge Envoy sets x-forwarded-proto from the connection it terminated.
    headers.set('x-forwarded-proto', scheme);
  } else if (!headers.has('x-forwarded-proto')) {
    headers.add('x-forwarded-proto', scheme);
  }
  if (!config.generateRequestId) return;
  if (!headers.has('x-request-id')) headers.add('x-request-id', newRequestId());
  // At the edge (use_remote_address, a peer that is not internal) Envoy replaces whatever id an
  // outside client sent, unless preserve_external_request_id.
  else if (
    config.useRemoteAddress &&
    !config.preserveExternalRequestId &&
    !honoursEnvoyHeaders(true, remoteIp)
  )
    headers.set('x-request-id', newRequestId());
}

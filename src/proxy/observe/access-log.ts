// Envoy access-log format strings compiled once into a formatter.
import type { StreamInfo } from './stream-info.ts';

export type AccessLogFormatter = (info: StreamInfo) => string;

export const DEFAULT_ACCESS_LOG_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';

/** Compiles `format` (Envoy's default when absent); an unknown command is an error value. */
export function compileAccessLogFormat(_format?: string): AccessLogFormatter | { error: string } {
  throw new Error('compileAccessLogFormat: not implemented yet');
}

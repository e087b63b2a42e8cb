// What the access log, stats and tracing need to know about one downstream request or TCP
// connection. The HTTP connection manager and the TCP proxy fill one plain object per stream and
// hand it to the loggers when the stream ends. Times are milliseconds; absent values are undefined
// (rendered as '-' by the access log, as Envoy does).

import type { HeaderMap } from '../headers/index.ts';

export interface StreamInfo {
  /** Wall-clock start of the stream, epoch milliseconds (Date.now()). */
  startTimeMs: number;
  /** Start of the last downstream byte received, relative to start (ms); undefined when not seen. */
  lastDownstreamRxByteMs?: number;
  /** First upstream byte sent, relative to start (ms). */
  firstUpstreamTxByteMs?: number;
  /** First upstream response byte received, relative to start (ms). */
  firstUpstreamRxByteMs?: number;
  /** Total duration: start to last downstream byte sent (ms). */
  durationMs?: number;

  /** 'HTTP/1.1', 'HTTP/2', or undefined for TCP. */
  protocol?: string;
  /** Request pseudo-headers; the HeaderMap carries only regular headers. */
  method?: string;
  path?: string;
  authority?: string;
  scheme?: string;
  requestHeaders?: HeaderMap;
  responseHeaders?: HeaderMap;
  responseTrailers?: HeaderMap;

  /** 0 when no response was sent (Envoy prints 0 too). */
  responseCode: number;
  /** Envoy's response_code_details, e.g. 'via_upstream', 'route_not_found'. */
  responseCodeDetails?: string;
  /** Bit set of ResponseFlag values. */
  responseFlags: number;

  bytesReceived: number;
  bytesSent: number;

  /** 'ip:port' of the upstream host the stream was sent to. */
  upstreamHost?: string;
  upstreamCluster?: string;
  upstreamLocalAddress?: string;
  upstreamTransportFailureReason?: string;
  /** Time the upstream took to answer, as in x-envoy-upstream-service-time (ms). */
  upstreamServiceTimeMs?: number;

  downstreamRemoteAddress?: string;
  downstreamLocalAddress?: string;
  /** SNI the downstream presented. */
  requestedServerName?: string;
  routeName?: string;
}

/** A StreamInfo with every required field zeroed; callers set the rest as the stream goes. */
export function newStreamInfo(startTimeMs: number): StreamInfo {
  return { startTimeMs, responseCode: 0, responseFlags: 0, bytesReceived: 0, bytesSent: 0 };
}

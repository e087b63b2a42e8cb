// What the access log, stats and tracing need to know about one downstream request or TCP
// connection. The HTTP connection manager and the TCP proxy fill one plain object per stream and
// hand it to the loggers when the stream ends. Times are milliseconds; absent values are undefined
// (rendered as '-' by the access log, as Envoy does).

import type { HeaderMap, HeaderSource } from '../headers/index.ts';

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
  /** The response headers as sent, when they were edited as a HeaderMap… */
  responseHeaders?: HeaderMap;
  /** …or else where they can be had from (a head forwarded as bytes): see responseHeadersOf. */
  responseHeaderSource?: HeaderSource;
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

/**
 * A StreamInfo with every required field zeroed and every optional one present as undefined: all
 * streams' infos then share one object shape with its fields in the object itself, so filling them
 * in as the stream goes is a plain store, not a shape change (V8 hidden-class transitions and
 * out-of-object property growth on the request path).
 */
export function newStreamInfo(startTimeMs: number): StreamInfo {
  return {
    startTimeMs,
    lastDownstreamRxByteMs: undefined,
    firstUpstreamTxByteMs: undefined,
    firstUpstreamRxByteMs: undefined,
    durationMs: undefined,
    protocol: undefined,
    method: undefined,
    path: undefined,
    authority: undefined,
    scheme: undefined,
    requestHeaders: undefined,
    responseHeaders: undefined,
    responseHeaderSource: undefined,
    responseTrailers: undefined,
    responseCode: 0,
    responseCodeDetails: undefined,
    responseFlags: 0,
    bytesReceived: 0,
    bytesSent: 0,
    upstreamHost: undefined,
    upstreamCluster: undefined,
    upstreamLocalAddress: undefined,
    upstreamTransportFailureReason: undefined,
    upstreamServiceTimeMs: undefined,
    downstreamRemoteAddress: undefined,
    downstreamLocalAddress: undefined,
    requestedServerName: undefined,
    routeName: undefined,
  };
}

/** The response headers as sent downstream (undefined before a response head went out). */
export function responseHeadersOf(info: StreamInfo): HeaderMap | undefined {
  if (info.responseHeaders === undefined && info.responseHeaderSource !== undefined)
    info.responseHeaders = info.responseHeaderSource.headers;
  return info.responseHeaders;
}

// Observability for the proxy: the stats store and its renderings (Envoy's /stats text and JSON,
// /stats/prometheus with Envoy's default tag extraction), the per-stream StreamInfo record, Envoy's
// response flags, and the access-log formatter.
export { type AccessLogFormatter, compileAccessLogFormat, DEFAULT_ACCESS_LOG_FORMAT } from './access-log.ts';
export { type ByteSource, countBytes } from './byte-counts.ts';
export { renderPrometheus, renderStatsJson, renderStatsText, type StatsRenderOptions } from './render.ts';
export {
  ResponseFlag,
  type ResponseFlagBit,
  responseFlagFromShortCode,
  responseFlagsToString,
} from './response-flags.ts';
export { Counter, Gauge, HISTOGRAM_BUCKETS, Histogram, type StatsScope, StatsStore } from './stats.ts';
export { newStreamInfo, responseHeadersOf, type StreamInfo } from './stream-info.ts';
export type { Tag } from './tags.ts';

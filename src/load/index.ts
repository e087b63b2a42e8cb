// The load generator (fortio's part in Istio's tasks): `runLoad` for a measured run, `curlOnce`
// for a single request, and the fortio-shaped text and JSON reports.

export { type CurlResult, curlOnce } from './curl.ts';
export { formatDuration, parseDuration } from './duration.ts';
export { type Bucket, Histogram, Summary } from './histogram.ts';
export {
  formatErrors,
  formatHistogram,
  formatResult,
  formatStart,
  PERCENTILES,
  resultJson,
} from './report.ts';
export { type Env, resolveTarget, type Target } from './request.ts';
export { type LoadOptions, type LoadResult, LoadSetupError, runLoad } from './runner.ts';

// Outlier detection (Envoy's consecutive 5xx / gateway failure ejection) for a cluster's hosts.
export { type HostOutlierSink, OutlierDetector, type OutlierHost } from './detector.ts';

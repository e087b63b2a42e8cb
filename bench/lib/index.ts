// Shared benchmark helpers: child processes pinned with taskset, tool installation, loopback
// probes, wrk, the open-loop latency generator and order statistics.
export { type ChildInfo, ChildSet, pinnedCommand, type StartOptions, withChildren } from './children.ts';
export { ensureTools, hasCommand, TOOLS, type ToolNeed } from './install.ts';
export {
  type InterleavedLatencyOptions,
  type LatencyLoadOptions,
  type LatencyResult,
  runInterleavedLatency,
  runLatencyLoad,
} from './latency-load.ts';
export {
  type CpuSample,
  type CpuTotals,
  foreignShare,
  groupJiffies,
  JIFFY_US,
  type PidStat,
  parsePidStat,
  parseProcStat,
  sampleCpu,
} from './machine.ts';
export { freePort, parseVmRssKiB, probeHttp, readRssKiB, waitForHttp200 } from './net.ts';
export { type OpenLoopPlan, OpenLoopSchedule } from './open-loop.ts';
export { type ResponseEnd, ResponseReader } from './response-reader.ts';
export { median, percentileSorted, percentiles, sortedCopy } from './stats.ts';
export { turnOrder } from './turns.ts';
export { parseWrkOutput, type WrkOptions, type WrkResult, wrkArgs } from './wrk.ts';

/** Path of the latency generator's entry point, for running it as a pinned child process. */
export const LATENCY_MAIN = new URL('./latency-main.ts', import.meta.url).pathname;

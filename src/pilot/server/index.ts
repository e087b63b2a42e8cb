// The pilot process wiring: store, directory source, mesh index, ADS generators, HTTP API.
export { MeshState } from './mesh-state.ts';
export { PilotMetrics } from './metrics.ts';
export { type PilotHandle, type PilotOptions, startPilot } from './pilot.ts';
export { DEFAULT_SCHEDULE, PushScheduler, type ScheduleOptions } from './scheduler.ts';

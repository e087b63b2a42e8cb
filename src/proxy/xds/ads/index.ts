// The proxy's ADS client: subscribe, decode, ACK/NACK, warm, reconnect, and hand complete
// snapshots to the engine.
export { Backoff, type BackoffOptions, DEFAULT_BACKOFF } from './backoff.ts';
export { type AdsTarget, adsTargetFromBootstrap } from './bootstrap.ts';
export {
  AdsClient,
  type AdsClientOptions,
  type AdsClientStatus,
  type SnapshotVerdict,
} from './client.ts';
export { referencedEndpoints, referencedRoutes, type StaticResources } from './resources.ts';

// The control plane: `startPilot` runs it; the HTTP API's client side lives with the CLI.
export {
  type ApplyAction,
  type ApplyResult,
  type ConfigDump,
  DEFAULT_PILOT_URL,
  type DeleteResult,
  findProxy,
  KIND_EXAMPLES,
  normalizePilotUrl,
  PilotClient,
  type PilotReply,
  PilotUnreachableError,
  pilotUrl,
  pluralOf,
  qualifiedKind,
  type ResourceItem,
  replyError,
  resolveKind,
} from './http/index.ts';
export { type PilotHandle, type PilotOptions, startPilot } from './server/index.ts';
export { isStale, type ProxyStatus, type SyncStatus, type TypeStatus } from './xds/index.ts';

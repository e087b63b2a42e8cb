// Pilot's HTTP API: apply/delete/get for the CLI, debug views and metrics; and its client.
export { type ConfigDump, findProxy, type PilotApi } from './api.ts';
export type { ApplyAction, ApplyResult, DeleteResult, ResourceResult } from './apply.ts';
export { applyYaml, deleteByName, deleteYaml } from './apply.ts';
export {
  DEFAULT_PILOT_URL,
  normalizePilotUrl,
  PilotClient,
  type PilotReply,
  PilotUnreachableError,
  pilotUrl,
  replyError,
} from './client.ts';
export { KIND_EXAMPLES, pluralOf, qualifiedKind, resolveKind } from './kinds.ts';
export { type ListOutcome, listResources, type ResourceItem, type ResourceQuery } from './resources.ts';
export { type HttpServerHandle, startHttpServer } from './server.ts';

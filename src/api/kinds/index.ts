// The registry of resource kinds: served versions, support status and validation of each.

export { checkMetadata } from './metadata.ts';
export { type KindInfo, knownKinds, lookupKind, type Support, splitApiVersion } from './registry.ts';

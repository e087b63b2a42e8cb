// The config store and its sources. See store.ts (in-memory, versioned, watchable) and
// atomic.ts (crash-safe writes for the directory source).
export { isAtomicTempFile, removeFileDurable, writeFileAtomic } from './atomic.ts';
export {
  type BrokenFile,
  type DeleteOutcome,
  DirectorySource,
  type DirectorySourceOptions,
  toInput,
} from './directory.ts';
export { describeKey, groupOf, keyOf, keyOfDocument, keyString, type ResourceKey } from './key.ts';
export {
  type ConfigChange,
  type ConfigListener,
  type ConfigSnapshot,
  ConfigStore,
  type ResourceInput,
  type StoredResource,
} from './store.ts';

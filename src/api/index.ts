// The api door: load Istio/Kubernetes YAML with source lines, validate it, and report issues.
export type { ObjectMeta, ResourceDocument } from './document.ts';
export {
  type ConfigIssue,
  type FieldPath,
  fileIssue,
  formatIssue,
  formatPath,
  type Severity,
} from './issue.ts';
export { type KindInfo, knownKinds, lookupKind, splitApiVersion } from './kinds/index.ts';
export { type LoadResult, loadFiles, type ParseResult, parseYaml } from './load/index.ts';
export { supportWarnings, validateDocument, validateDocuments } from './validate/index.ts';

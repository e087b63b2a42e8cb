// The control plane's ADS server: register a generator per type URL, listen, call configChanged().
export type { ConnectedProxy, GeneratedResources, Generator } from './connection.ts';
export type { EncodeCacheStats } from './encode-cache.ts';
export { type ParsedNode, type ProxyNode, type ProxyType, parseProxyNode } from './node.ts';
export { AdsServer, type AdsServerOptions, type ProxyStatus, type TypeStatus } from './server.ts';
export { isStale, type NackRecord, type SyncStatus } from './watch.ts';

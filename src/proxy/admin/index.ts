// The admin server (Envoy's admin interface: /stats, /clusters, /config_dump, /ready, …).

export { renderClustersJson, renderClustersText } from './clusters-text.ts';
export {
  bootstrapDumpSources,
  type ConfigDumpOptions,
  queryConfigDump,
  RESOURCE_TYPE,
  renderConfigDump,
  resourceNeedsEds,
} from './config-dump.ts';
export {
  type AdminProvider,
  type AdminServer,
  handleAdminRequest,
  type ServerInfo,
  startAdminServer,
} from './server.ts';

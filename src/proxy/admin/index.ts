// The admin server (Envoy's admin interface: /stats, /clusters, /config_dump, /ready, …).
export { type AdminProvider, type AdminServer, type ServerInfo, startAdminServer } from './server.ts';

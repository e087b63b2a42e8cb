// The admin HTTP server on the bootstrap's admin address.
import type { StatsStore } from '../observe/index.ts';
import type { ClusterManager } from '../upstream/index.ts';

export interface ServerInfo {
  version: string;
  state: 'LIVE' | 'DRAINING' | 'PRE_INITIALIZING' | 'INITIALIZING';
  uptimeSeconds: number;
  nodeId: string;
  cluster: string;
}

export interface AdminProvider {
  configDump(): unknown;
  stats: StatsStore;
  clusters: ClusterManager;
  listeners(): { name: string; address: string }[];
  ready(): boolean;
  serverInfo(): ServerInfo;
  shutdown(): void;
}

export interface AdminServer {
  /** The bound address (port resolved when 0 was asked). */
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

export function startAdminServer(
  _provider: AdminProvider,
  _address: { host: string; port: number },
): Promise<AdminServer> {
  throw new Error('startAdminServer: not implemented yet');
}

// One upstream endpoint of a cluster: its address, EDS weight and health, per-host counters and
// its HTTP/1.1 pools (one per proxy worker). Hosts survive config updates while their address
// stays in the cluster.

import type { LbEndpointConfig, LocalityEndpointsConfig } from '../config/index.ts';
import type { ClusterRuntime } from './connect.ts';
import type { HostOutlierSink } from './outlier/index.ts';
import { HostPools } from './pool.ts';
import type { HostStats, Http1Pool, UpstreamHost } from './types.ts';

export class Host implements UpstreamHost {
  readonly address: { host: string; port: number };
  readonly addressText: string;
  weight: number;
  health: LbEndpointConfig['healthStatus'];
  hostname: string;
  locality: { region: string; zone: string; subZone: string };
  priority: number;
  metadata: Record<string, unknown>;
  readonly stats: HostStats = newHostStats();
  readonly pool: Http1Pool;
  outlier: HostOutlierSink | undefined = undefined;
  outlierEjected = false;

  constructor(rt: ClusterRuntime, endpoint: LbEndpointConfig, locality: LocalityEndpointsConfig) {
    this.address = { host: endpoint.address.host, port: endpoint.address.port };
    this.addressText = hostAddressText(endpoint);
    this.weight = endpoint.weight;
    this.health = endpoint.healthStatus;
    this.hostname = endpoint.hostname ?? '';
    this.locality = locality.locality;
    this.priority = locality.priority;
    this.metadata = endpoint.metadata;
    this.pool = new HostPools(rt, this);
  }

  /** Takes the new EDS attributes of the same address. */
  refresh(endpoint: LbEndpointConfig, locality: LocalityEndpointsConfig): void {
    this.weight = endpoint.weight;
    this.health = endpoint.healthStatus;
    this.hostname = endpoint.hostname ?? '';
    this.locality = locality.locality;
    this.priority = locality.priority;
    this.metadata = endpoint.metadata;
  }
}

/** A host's counters, all zero. */
export function newHostStats(): HostStats {
  return {
    cxTotal: 0,
    cxActive: 0,
    cxConnectFail: 0,
    rqTotal: 0,
    rqActive: 0,
    rqError: 0,
    rqSuccess: 0,
    rqTimeout: 0,
  };
}

export function hostAddressText(endpoint: LbEndpointConfig): string {
  const h = endpoint.address.host;
  return h.includes(':') ? `[${h}]:${endpoint.address.port}` : `${h}:${endpoint.address.port}`;
}

/** Whether the load balancer may send to a host of this EDS health status. */
export function isUsable(health: LbEndpointConfig['healthStatus']): boolean {
  return health === 'HEALTHY' || health === 'UNKNOWN' || health === 'DEGRADED';
}

// config.endpoint.v3.ClusterLoadAssignment → EndpointAssignmentConfig (EDS, or a cluster's inline
// load_assignment).
import type {
  EndpointAssignmentConfig,
  HealthStatus,
  LbEndpointConfig,
  LocalityEndpointsConfig,
} from '../../config/index.ts';
import { readAddress, readMetadata } from './common.ts';
import type { MessageReader } from './reader.ts';

const HEALTH: readonly HealthStatus[] = [
  'UNKNOWN',
  'HEALTHY',
  'UNHEALTHY',
  'DRAINING',
  'TIMEOUT',
  'DEGRADED',
];

/** `allowHostnames`: endpoints of STRICT_DNS / LOGICAL_DNS clusters are names to resolve. */
export function readClusterLoadAssignment(
  r: MessageReader,
  allowHostnames: boolean,
): EndpointAssignmentConfig {
  const clusterName = r.requiredStr('cluster_name');
  const localities = r.messages('endpoints').map((l) => readLocality(l, allowHostnames));
  const policy = r.message('policy');
  if (policy) {
    if (policy.list('drop_overloads').length > 0)
      policy.error('drop_overloads', `'drop_overloads' is not supported`);
    const factor = policy.optionalUint32('overprovisioning_factor', 1);
    // 140 is Envoy's default; other factors change priority spill-over, which is not implemented.
    if (factor !== undefined && factor !== 140)
      policy.error('overprovisioning_factor', `only the default overprovisioning_factor (140) is supported`);
    // endpoint_stale_after: EDS updates replace assignments whole; nothing goes stale in between.
    policy.finish(['endpoint_stale_after', 'weighted_priority_health']);
  }
  if (r.has('named_endpoints')) r.error('named_endpoints', `'named_endpoints' is not supported`);
  r.finish();
  return { clusterName, localities };
}

function readLocality(r: MessageReader, allowHostnames: boolean): LocalityEndpointsConfig {
  const loc = r.message('locality');
  const locality = {
    region: loc?.str('region') ?? '',
    zone: loc?.str('zone') ?? '',
    subZone: loc?.str('sub_zone') ?? '',
  };
  loc?.finish();
  const out: LocalityEndpointsConfig = {
    locality,
    priority: r.uint32('priority', 0, 0, 128),
    endpoints: r.messages('lb_endpoints').map((e) => readLbEndpoint(e, allowHostnames)),
  };
  const weight = r.optionalUint32('load_balancing_weight', 1);
  if (weight !== undefined) out.weight = weight;
  if (r.has('leds_cluster_locality_config')) r.error('leds_cluster_locality_config', `LEDS is not supported`);
  // proximity only matters for locality-aware routing across zones, which is not implemented and
  // has no effect without it; metadata is opaque.
  r.finish(['proximity', 'metadata']);
  return out;
}

function readLbEndpoint(r: MessageReader, allowHostnames: boolean): LbEndpointConfig {
  const e = r.message('endpoint');
  let address = { host: '', port: 0 };
  let hostname: string | undefined;
  if (!e) {
    if (r.has('endpoint_name'))
      r.error('endpoint_name', `'endpoint_name' (named endpoints) is not supported`);
    else r.error('endpoint', `'endpoint' is required`);
  } else {
    address = readAddress(e, 'address', allowHostnames);
    hostname = e.str('hostname') || undefined;
    if (e.has('health_check_config'))
      e.error('health_check_config', `active health checking is not supported`);
    if (e.list('additional_addresses').length > 0)
      e.error('additional_addresses', `'additional_addresses' is not supported`);
    e.finish();
  }
  const out: LbEndpointConfig = {
    address,
    healthStatus: r.enumValue('health_status', HEALTH, 'UNKNOWN'),
    weight: r.uint32('load_balancing_weight', 1, 1),
    metadata: readMetadata(r),
  };
  if (hostname !== undefined) out.hostname = hostname;
  r.finish();
  return out;
}

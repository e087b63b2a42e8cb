// DestinationRule traffic policy, merged the way Istio merges it for one cluster: the rule's
// top-level policy, then its port-level settings for the port, then the subset's policy and the
// subset's port-level settings, each layer replacing whole settings groups of the one before.
import type { TrafficPolicy } from '../../api/types/index.ts';

export type PortTrafficPolicy = Omit<TrafficPolicy, 'portLevelSettings'>;

function overlay(base: PortTrafficPolicy, top: PortTrafficPolicy | undefined): PortTrafficPolicy {
  if (!top) return base;
  const out: PortTrafficPolicy = { ...base };
  if (top.connectionPool) out.connectionPool = top.connectionPool;
  if (top.loadBalancer) out.loadBalancer = top.loadBalancer;
  if (top.outlierDetection) out.outlierDetection = top.outlierDetection;
  if (top.tls) out.tls = top.tls;
  if (top.tunnel) out.tunnel = top.tunnel;
  if (top.proxyProtocol) out.proxyProtocol = top.proxyProtocol;
  return out;
}

function forPort(policy: TrafficPolicy | undefined, port: number): PortTrafficPolicy {
  if (!policy) return {};
  const { portLevelSettings, ...rest } = policy;
  const level = portLevelSettings?.find((p) => p.port?.number === port);
  return overlay(rest, level as PortTrafficPolicy | undefined);
}

export function mergedPolicy(
  top: TrafficPolicy | undefined,
  subset: TrafficPolicy | undefined,
  port: number,
): PortTrafficPolicy {
  return overlay(forPort(top, port), subset ? forPort(subset, port) : undefined);
}

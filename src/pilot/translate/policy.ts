// DestinationRule traffic policy, merged the way Istio merges it for one cluster
// (MergeSubsetTrafficPolicy): a port-level entry for the port stands in for its policy's
// connectionPool, loadBalancer, outlierDetection and tls as a whole — what it leaves out falls back
// to the defaults, not to the policy it overrides — and the subset's policy then replaces the
// rule's groups it sets (all four when it has a port-level entry of its own).
import type { TrafficPolicy } from '../../api/types/index.ts';

export type PortTrafficPolicy = Omit<TrafficPolicy, 'portLevelSettings'>;

/** The groups a port-level entry carries; it replaces all of them, set or not. */
const PORT_LEVEL_GROUPS = ['connectionPool', 'loadBalancer', 'outlierDetection', 'tls'] as const;

function forPort(
  policy: TrafficPolicy | undefined,
  port: number,
): { policy: PortTrafficPolicy; portLevel: boolean } {
  if (!policy) return { policy: {}, portLevel: false };
  const { portLevelSettings, ...rest } = policy;
  const level = portLevelSettings?.find((p) => p.port?.number === port);
  if (!level) return { policy: rest, portLevel: false };
  const out: PortTrafficPolicy = {};
  for (const group of PORT_LEVEL_GROUPS) if (level[group]) Object.assign(out, { [group]: level[group] });
  return { policy: out, portLevel: true };
}

export function mergedPolicy(
  top: TrafficPolicy | undefined,
  subset: TrafficPolicy | undefined,
  port: number,
): PortTrafficPolicy {
  const base = forPort(top, port).policy;
  if (!subset) return base;
  const { policy: sub, portLevel } = forPort(subset, port);
  const out: PortTrafficPolicy = { ...base };
  for (const group of PORT_LEVEL_GROUPS) {
    if (sub[group]) Object.assign(out, { [group]: sub[group] });
    else if (portLevel) delete out[group];
  }
  if (sub.tunnel) out.tunnel = sub.tunnel;
  if (sub.proxyProtocol) out.proxyProtocol = sub.proxyProtocol;
  return out;
}

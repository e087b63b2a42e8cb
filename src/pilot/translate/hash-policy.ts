// Route hash policies from a DestinationRule's consistentHash, as Istio derives them: the cluster
// gets RING_HASH/MAGLEV (clusters.ts), but what is hashed (a header, a cookie, the source IP, a query
// parameter) is a property of the route, so every route towards a destination whose rule asks for
// consistent hashing carries the matching `hash_policy`. Without it Envoy hashes nothing and the
// "sticky" load balancer picks a random host per request.
import type { Destination, DestinationRuleSpec, TrafficPolicy } from '../../api/types/index.ts';
import type { Json } from './clusters.ts';
import { toEnvoyDuration } from './duration.ts';

type ConsistentHash = NonNullable<NonNullable<TrafficPolicy['loadBalancer']>['consistentHash']>;
type PortLevel = NonNullable<TrafficPolicy['portLevelSettings']>;

function portLevelHash(levels: PortLevel | undefined, port: number | undefined): ConsistentHash | undefined {
  if (port === undefined) return undefined;
  return levels?.find((l) => l.port?.number === port)?.loadBalancer?.consistentHash;
}

/**
 * The consistentHash governing a route destination (Istio's hashForHTTPDestination): the subset's
 * port-level setting, else the subset's, else the rule's port-level setting, else the rule's.
 * Port-level settings count only when the destination names its port.
 */
export function destinationHash(
  rule: DestinationRuleSpec | undefined,
  d: Destination | undefined,
): ConsistentHash | undefined {
  if (!rule) return undefined;
  const top = rule.trafficPolicy;
  const port = d?.port?.number;
  const subset = (rule.subsets ?? []).find((s) => s.name === (d?.subset ?? ''));
  return (
    portLevelHash(subset?.trafficPolicy?.portLevelSettings, port) ??
    subset?.trafficPolicy?.loadBalancer?.consistentHash ??
    portLevelHash(top?.portLevelSettings, port) ??
    top?.loadBalancer?.consistentHash
  );
}

/** The consistentHash for a service port's default route (Istio's hashForService). */
export function serviceHash(rule: DestinationRuleSpec | undefined, port: number): ConsistentHash | undefined {
  const top = rule?.trafficPolicy;
  return portLevelHash(top?.portLevelSettings, port) ?? top?.loadBalancer?.consistentHash;
}

/** Envoy RouteAction.HashPolicy for a consistentHash (Istio's consistentHashToHashPolicy). */
export function hashPolicyJson(ch: ConsistentHash | undefined): Json | undefined {
  if (!ch) return undefined;
  if (ch.httpHeaderName !== undefined) return { header: { header_name: ch.httpHeaderName } };
  if (ch.httpCookie) {
    const ttl = toEnvoyDuration(ch.httpCookie.ttl);
    return {
      cookie: {
        name: ch.httpCookie.name,
        ...(ttl !== undefined ? { ttl } : {}),
        ...(ch.httpCookie.path ? { path: ch.httpCookie.path } : {}),
      },
    };
  }
  // useSourceIp: false hashes nothing; Envoy's connection_properties with source_ip false is the same.
  if (ch.useSourceIp) return { connection_properties: { source_ip: true } };
  if (ch.httpQueryParameterName !== undefined) {
    return { query_parameter: { name: ch.httpQueryParameterName } };
  }
  return undefined;
}

// Outbound and inbound clusters, in Envoy's canonical JSON, named and tuned as Istio names and tunes
// them: one cluster per service port and per DestinationRule subset, with the merged traffic policy
// mapped onto Envoy's load balancer, circuit breaker, connection and outlier-detection fields.
import type { MeshService, ServicePort } from '../../registry/index.ts';
import { durationMs, envoyDuration, toEnvoyDuration } from './duration.ts';
import { destinationRuleFor, type MeshIndex } from './mesh.ts';
import { mergedPolicy, type PortTrafficPolicy } from './policy.ts';
import {
  BLACKHOLE_CLUSTER,
  clusterName,
  type InboundBinding,
  PASSTHROUGH_CLUSTER,
  type ProxyInfo,
} from './proxy.ts';

export type Json = Record<string, unknown>;

const CLUSTER_TYPE = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const HTTP_OPTIONS_TYPE = 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
/** Istio's mesh-wide default connect timeout (meshConfig.connectTimeout). */
const DEFAULT_CONNECT_TIMEOUT = '10s';
/** Istio leaves Envoy's circuit breakers effectively unlimited unless a DestinationRule says otherwise. */
const UNLIMITED = 4294967295;

export interface ClusterPlan {
  name: string;
  service: MeshService;
  port: ServicePort;
  subset: string;
  /** Labels an endpoint must carry to belong to this cluster (the subset's). */
  subsetLabels: Record<string, string>;
  policy: PortTrafficPolicy;
  /** The DestinationRule the policy comes from, if one applies (named in the cluster's metadata). */
  rule: { name: string; namespace: string } | undefined;
  /** EDS clusters get a ClusterLoadAssignment; DNS clusters carry theirs inline. */
  eds: boolean;
  /**
   * A ServiceEntry with `resolution: NONE`: Istio's ORIGINAL_DST cluster, which connects to
   * wherever the connection or request was going (no endpoints).
   */
  originalDst: boolean;
}

/** Every outbound cluster a proxy in `namespace` sees: per service port, plus per subset. */
export function planOutboundClusters(index: MeshIndex, namespace: string): ClusterPlan[] {
  const plans: ClusterPlan[] = [];
  for (const service of index.services) {
    if (!visibleFrom(service, namespace)) continue;
    const dr = destinationRuleFor(index, service.hostname, namespace, service.namespace);
    // Istio gives headless Kubernetes Services (also resolution NONE here) ORIGINAL_DST clusters
    // too; Weft keeps EDS for them, as local mode reaches pods by their allocated ports, which an
    // original destination would not know.
    const originalDst = service.resolution === 'NONE' && service.origin === 'ServiceEntry';
    const eds = !originalDst && service.resolution !== 'DNS' && service.resolution !== 'DNS_ROUND_ROBIN';
    for (const port of service.ports) {
      plans.push({
        name: clusterName('outbound', port.port, '', service.hostname),
        service,
        port,
        subset: '',
        subsetLabels: {},
        policy: mergedPolicy(dr?.spec.trafficPolicy, undefined, port.port),
        rule: dr,
        eds,
        originalDst,
      });
      for (const subset of dr?.spec.subsets ?? []) {
        if (!subset.name) continue;
        plans.push({
          name: clusterName('outbound', port.port, subset.name, service.hostname),
          service,
          port,
          subset: subset.name,
          subsetLabels: subset.labels ?? {},
          policy: mergedPolicy(dr?.spec.trafficPolicy, subset.trafficPolicy, port.port),
          rule: dr,
          eds,
          originalDst,
        });
      }
    }
  }
  return plans;
}

function visibleFrom(service: MeshService, namespace: string): boolean {
  const to = service.exportTo;
  if (to.length === 0 || to.includes('*')) return true;
  if (to.includes('~')) return false;
  if (to.includes('.') && service.namespace === namespace) return true;
  return to.includes(namespace);
}

/** Istio's config-info path of a networking rule (`istio.config` in route and cluster metadata). */
export function istioConfigPath(kind: string, rule: { name: string; namespace: string }): string {
  return `/apis/networking.istio.io/v1/namespaces/${rule.namespace}/${kind}/${rule.name}`;
}

export function outboundClusterJson(plan: ClusterPlan, inlineEndpoints: Json | undefined): Json {
  const p = plan.policy;
  const cluster: Json = {
    '@type': CLUSTER_TYPE,
    name: plan.name,
    type: plan.originalDst ? 'ORIGINAL_DST' : plan.eds ? 'EDS' : 'STRICT_DNS',
    connect_timeout: toEnvoyDuration(p.connectionPool?.tcp?.connectTimeout) ?? DEFAULT_CONNECT_TIMEOUT,
    lb_policy: 'LEAST_REQUEST',
    circuit_breakers: { thresholds: [thresholds(p)] },
    metadata: {
      filter_metadata: {
        istio: {
          services: [
            { host: plan.service.hostname, name: plan.service.name, namespace: plan.service.namespace },
          ],
          ...(plan.subset ? { subset: plan.subset } : {}),
          // Istio's config-info metadata: the DestinationRule that shaped the cluster.
          ...(plan.rule ? { config: istioConfigPath('destination-rule', plan.rule) } : {}),
        },
      },
    },
  };
  if (plan.eds)
    cluster['eds_cluster_config'] = {
      eds_config: { ads: {}, resource_api_version: 'V3' },
      service_name: plan.name,
    };
  else if (inlineEndpoints && !plan.originalDst) {
    // Inline, the assignment is a plain field, not an Any: no '@type'.
    const { '@type': _any, ...assignment } = inlineEndpoints;
    cluster['load_assignment'] = assignment;
  }
  // ORIGINAL_DST takes no balancer but its own (Istio: PASSTHROUGH, i.e. CLUSTER_PROVIDED).
  if (plan.originalDst) cluster['lb_policy'] = 'CLUSTER_PROVIDED';
  else applyLoadBalancer(cluster, p);
  const http = httpProtocolOptions(p, plan.port.protocol);
  if (http)
    cluster['typed_extension_protocol_options'] = {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': http,
    };
  const tls = upstreamTlsSocket(p);
  if (tls) cluster['transport_socket'] = tls;
  // Outlier detection is not generated for ORIGINAL_DST clusters (Istio does): the proxy's
  // ORIGINAL_DST hosts have none yet, and it refuses the field rather than ignore it.
  const od = plan.originalDst ? undefined : outlierDetection(p);
  if (od) {
    cluster['outlier_detection'] = od;
    // Istio (applyOutlierDetection) sets the panic threshold whenever outlierDetection is given,
    // from minHealthPercent, so its default 0 turns Envoy's panic mode (default 50 %) off: with
    // every host ejected the cluster answers 503 "no healthy upstream" rather than use them.
    cluster['common_lb_config'] = {
      healthy_panic_threshold: { value: p.outlierDetection?.minHealthPercent ?? 0 },
    };
  }
  return cluster;
}

const UPSTREAM_TLS_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

/**
 * TLS origination, as Istio's buildUpstreamTLSSettings does it for `tls.mode: SIMPLE`: an
 * UpstreamTlsContext with the rule's SNI and, when `caCertificates` names a CA file (and
 * verification is not skipped), a validation context trusting it and matching `subjectAltNames`.
 * Istio reads the CA through SDS ('file-root:<path>'); the proxy reads the file named here, which
 * is the same file on the proxy's machine. ISTIO_MUTUAL and MUTUAL are not translated yet (the
 * cluster stays plaintext; validation warns, see api/validate/support.ts), nor are `credentialName`
 * and `caCrl` (warned too).
 */
export function upstreamTlsSocket(p: PortTrafficPolicy): Json | undefined {
  const tls = p.tls;
  if (tls?.mode !== 'SIMPLE') return undefined;
  const common: Json = {};
  if (tls.caCertificates && !tls.insecureSkipVerify) {
    common['validation_context'] = {
      trusted_ca: { filename: tls.caCertificates },
      ...(tls.subjectAltNames && tls.subjectAltNames.length > 0
        ? { match_subject_alt_names: tls.subjectAltNames.map((exact) => ({ exact })) }
        : {}),
    };
  }
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': UPSTREAM_TLS_TYPE,
      common_tls_context: common,
      ...(tls.sni ? { sni: tls.sni } : {}),
    },
  };
}

function thresholds(p: PortTrafficPolicy): Json {
  const tcp = p.connectionPool?.tcp;
  const http = p.connectionPool?.http;
  return {
    max_connections: tcp?.maxConnections ?? UNLIMITED,
    max_pending_requests: http?.http1MaxPendingRequests ?? UNLIMITED,
    max_requests: http?.http2MaxRequests ?? UNLIMITED,
    max_retries: http?.maxRetries ?? UNLIMITED,
    track_remaining: true,
  };
}

function applyLoadBalancer(cluster: Json, p: PortTrafficPolicy): void {
  const lb = p.loadBalancer;
  if (!lb) return;
  if (lb.simple) {
    const simple: Record<string, string> = {
      LEAST_CONN: 'LEAST_REQUEST',
      LEAST_REQUEST: 'LEAST_REQUEST',
      RANDOM: 'RANDOM',
      ROUND_ROBIN: 'ROUND_ROBIN',
      UNSPECIFIED: 'LEAST_REQUEST',
      PASSTHROUGH: 'CLUSTER_PROVIDED',
    };
    cluster['lb_policy'] = simple[lb.simple] ?? 'LEAST_REQUEST';
    return;
  }
  const ch = lb.consistentHash;
  if (ch) {
    if (ch.maglev) {
      cluster['lb_policy'] = 'MAGLEV';
      if (ch.maglev.tableSize) cluster['maglev_lb_config'] = { table_size: ch.maglev.tableSize };
    } else {
      cluster['lb_policy'] = 'RING_HASH';
      const min = ch.ringHash?.minimumRingSize ?? ch.minimumRingSize;
      if (min) cluster['ring_hash_lb_config'] = { minimum_ring_size: min };
    }
  }
}

function httpProtocolOptions(p: PortTrafficPolicy, protocol: string): Json | undefined {
  const http = p.connectionPool?.http;
  const common: Json = {};
  if (http?.idleTimeout) common['idle_timeout'] = toEnvoyDuration(http.idleTimeout);
  if (http?.maxRequestsPerConnection) common['max_requests_per_connection'] = http.maxRequestsPerConnection;
  const h2 = protocol === 'HTTP2' || protocol === 'GRPC' || http?.h2UpgradePolicy === 'UPGRADE';
  if (Object.keys(common).length === 0 && !h2) return undefined;
  return {
    '@type': HTTP_OPTIONS_TYPE,
    ...(Object.keys(common).length > 0 ? { common_http_protocol_options: common } : {}),
    explicit_http_config: h2 ? { http2_protocol_options: {} } : { http_protocol_options: {} },
  };
}

function outlierDetection(p: PortTrafficPolicy): Json | undefined {
  const od = p.outlierDetection;
  if (!od) return undefined;
  // Istio (applyOutlierDetection) always turns success-rate ejection off, and enforces only the
  // detectors the rule names: Envoy's own defaults (5 consecutive 5xx, enforced) stay untouched
  // when the rule sets only consecutiveGatewayErrors.
  const out: Json = { enforcing_success_rate: 0 };
  // The deprecated consecutiveErrors counted gateway errors only (502/503/504): Istio mapped it to
  // consecutive_gateway_failure and switched 5xx ejection off; the newer fields override it.
  const legacy = od.consecutiveErrors;
  if (legacy !== undefined && legacy > 0) {
    out['consecutive_gateway_failure'] = legacy;
    out['enforcing_consecutive_gateway_failure'] = 100;
    out['enforcing_consecutive_5xx'] = 0;
  }
  if (od.consecutive5xxErrors !== undefined) {
    out['consecutive_5xx'] = od.consecutive5xxErrors;
    out['enforcing_consecutive_5xx'] = od.consecutive5xxErrors > 0 ? 100 : 0;
  }
  if (od.consecutiveGatewayErrors !== undefined) {
    out['consecutive_gateway_failure'] = od.consecutiveGatewayErrors;
    out['enforcing_consecutive_gateway_failure'] = od.consecutiveGatewayErrors > 0 ? 100 : 0;
  }
  const interval = durationMs(od.interval);
  if (interval !== undefined) out['interval'] = envoyDuration(interval);
  const base = durationMs(od.baseEjectionTime);
  if (base !== undefined) out['base_ejection_time'] = envoyDuration(base);
  if (od.maxEjectionPercent !== undefined && od.maxEjectionPercent > 0) {
    out['max_ejection_percent'] = od.maxEjectionPercent;
  }
  if (od.splitExternalLocalOriginErrors) {
    out['split_external_local_origin_errors'] = true;
    const local = od.consecutiveLocalOriginFailures;
    if (local !== undefined && local > 0) {
      out['consecutive_local_origin_failure'] = local;
      out['enforcing_consecutive_local_origin_failure'] = 100;
    }
    out['enforcing_local_origin_success_rate'] = 0;
  }
  return out;
}

/** The inbound cluster for one container port: straight to the application. */
export function inboundClusterJson(binding: InboundBinding): Json {
  const name = clusterName('inbound', binding.targetPort, '', '');
  return {
    '@type': CLUSTER_TYPE,
    name,
    type: 'STATIC',
    connect_timeout: DEFAULT_CONNECT_TIMEOUT,
    lb_policy: 'ROUND_ROBIN',
    circuit_breakers: {
      thresholds: [
        {
          max_connections: UNLIMITED,
          max_pending_requests: UNLIMITED,
          max_requests: UNLIMITED,
          max_retries: UNLIMITED,
        },
      ],
    },
    load_assignment: {
      cluster_name: name,
      endpoints: [
        {
          lb_endpoints: [
            {
              endpoint: {
                address: { socket_address: { address: binding.appAddress, port_value: binding.appPort } },
              },
            },
          ],
        },
      ],
    },
  };
}

/** Istio's BlackHoleCluster: a STATIC cluster with no endpoints, so requests to it fail fast. */
export function blackHoleClusterJson(): Json {
  return {
    '@type': CLUSTER_TYPE,
    name: BLACKHOLE_CLUSTER,
    type: 'STATIC',
    connect_timeout: DEFAULT_CONNECT_TIMEOUT,
    load_assignment: { cluster_name: BLACKHOLE_CLUSTER, endpoints: [] },
  };
}

/**
 * Istio's PassthroughCluster: ORIGINAL_DST, so a connection or request for a host the registry
 * does not know goes where it was going (outboundTrafficPolicy ALLOW_ANY), speaking the
 * downstream's HTTP version, with Istio's unlimited default circuit breakers.
 */
export function passthroughClusterJson(): Json {
  return {
    '@type': CLUSTER_TYPE,
    name: PASSTHROUGH_CLUSTER,
    type: 'ORIGINAL_DST',
    connect_timeout: DEFAULT_CONNECT_TIMEOUT,
    lb_policy: 'CLUSTER_PROVIDED',
    circuit_breakers: { thresholds: [thresholds({})] },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': HTTP_OPTIONS_TYPE,
        use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} },
      },
    },
  };
}

export function isSidecar(proxy: ProxyInfo): boolean {
  return proxy.type === 'sidecar';
}

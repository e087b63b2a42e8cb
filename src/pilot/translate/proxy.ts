// Who a proxy is, as the control plane needs to know to generate its config: Istio's node identity
// (type, namespace, labels, service account) plus how it is wired on its machine. The ADS server
// fills this from the node id and metadata a proxy sends when it connects.

export type CaptureMode = 'IPTABLES' | 'NONE';

/** An outbound listener a sidecar binds in explicit mode for one TCP service port. */
export interface OutboundBinding {
  /** Address to bind, e.g. '127.0.0.1' or a per-pod loopback address. */
  bind: string;
  port: number;
  /** The service FQDN and port this listener stands for. */
  hostname: string;
  servicePort: number;
}

/** An inbound listener: traffic for container port `targetPort` arrives on `listenPort`. */
export interface InboundBinding {
  targetPort: number;
  /** Where the sidecar listens for mesh traffic to that port (explicit mode). */
  listenAddress: string;
  listenPort: number;
  /** Where the application really listens (explicit mode: its own allocated port). */
  appAddress: string;
  appPort: number;
}

export interface ProxyInfo {
  type: 'sidecar' | 'router';
  /** Envoy node id, e.g. 'sidecar~127.0.0.1~reviews-v1-0.default~default.svc.cluster.local'. */
  id: string;
  namespace: string;
  labels: Record<string, string>;
  serviceAccount: string;
  workloadName: string;
  ipAddresses: string[];
  captureMode: CaptureMode;
  /** Explicit mode: the address:port of the outbound HTTP proxy listener apps reach via HTTP_PROXY. */
  httpProxy?: { bind: string; port: number };
  outboundBindings: OutboundBinding[];
  inboundBindings: InboundBinding[];
  /**
   * Gateways: Gateway server port → where it is served. Istio's ingress Service maps 80→8080 and
   * 443→8443 and the gateway pod listens on the target port; locally that port is then bound on
   * some address. `name` is the listener's port in Istio's naming (0.0.0.0_8080).
   */
  gatewayPorts: Record<number, { name: number; bind: string; port: number }>;
}

/** Istio's cluster naming: direction|port|subset|host. */
export function clusterName(
  direction: 'outbound' | 'inbound',
  port: number,
  subset: string,
  host: string,
): string {
  return `${direction}|${port}|${subset}|${host}`;
}

/** meshConfig.outboundTrafficPolicy.mode, or a Sidecar's outboundTrafficPolicy.mode. */
export type OutboundTrafficMode = 'ALLOW_ANY' | 'REGISTRY_ONLY';

/**
 * Istio's default meshConfig.outboundTrafficPolicy.mode. Weft has no MeshConfig yet: when it gets
 * one (e.g. a `mesh` section of pilot's config, as istiod reads its `istio` ConfigMap), its
 * outboundTrafficPolicy.mode replaces this default in outboundTrafficMode (sidecar-scope.ts).
 */
export const DEFAULT_OUTBOUND_TRAFFIC_MODE: OutboundTrafficMode = 'ALLOW_ANY';

export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const DOMAIN_SUFFIX = 'cluster.local';

/** The parts of an ADS node identity translation reads (see pilot/xds parseProxyNode). */
export interface NodeIdentity {
  id: string;
  type: 'sidecar' | 'router';
  ips: string[];
  name: string;
  namespace: string;
  labels: Record<string, string>;
  serviceAccount?: string;
  workloadName?: string;
  metadata: Record<string, unknown>;
}

/**
 * Node metadata → ProxyInfo. Istio's keys where Istio has one (INTERCEPTION_MODE, LABELS, …);
 * Weft's explicit-mode wiring comes in WEFT_* keys the local runtime sets in the bootstrap:
 * WEFT_HTTP_PROXY '127.0.0.1:15080', WEFT_OUTBOUND / WEFT_INBOUND / WEFT_GATEWAY_PORTS as JSON
 * (strings or structured values).
 */
export function proxyInfoFromNode(node: NodeIdentity): ProxyInfo {
  const md = node.metadata;
  const mode = typeof md['INTERCEPTION_MODE'] === 'string' ? md['INTERCEPTION_MODE'] : 'REDIRECT';
  const info: ProxyInfo = {
    type: node.type,
    id: node.id,
    namespace: node.namespace,
    labels: node.labels,
    serviceAccount: node.serviceAccount ?? 'default',
    workloadName: node.workloadName ?? node.name,
    ipAddresses: node.ips,
    captureMode: mode === 'NONE' ? 'NONE' : 'IPTABLES',
    outboundBindings: jsonValue<OutboundBinding[]>(md['WEFT_OUTBOUND']) ?? [],
    inboundBindings: jsonValue<InboundBinding[]>(md['WEFT_INBOUND']) ?? [],
    gatewayPorts: jsonValue<ProxyInfo['gatewayPorts']>(md['WEFT_GATEWAY_PORTS']) ?? {},
  };
  const httpProxy = md['WEFT_HTTP_PROXY'];
  if (typeof httpProxy === 'string' && httpProxy.includes(':')) {
    const at = httpProxy.lastIndexOf(':');
    info.httpProxy = { bind: httpProxy.slice(0, at), port: Number(httpProxy.slice(at + 1)) };
  }
  return info;
}

function jsonValue<T>(v: unknown): T | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') return v as T;
  try {
    return JSON.parse(v) as T;
  } catch {
    return undefined;
  }
}

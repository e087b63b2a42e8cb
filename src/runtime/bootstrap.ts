// The Envoy v3 bootstrap each local proxy starts from: its node identity (Istio's node id and
// metadata, plus Weft's explicit-mode wiring in WEFT_* keys, see pilot/translate/proxy.ts), its
// admin address, and one static cluster to reach pilot's ADS server; everything else comes over ADS.

export interface InboundWiring {
  targetPort: number;
  listenAddress: string;
  listenPort: number;
  appAddress: string;
  appPort: number;
}

export interface OutboundWiring {
  bind: string;
  port: number;
  hostname: string;
  servicePort: number;
}

export interface BootstrapInput {
  type: 'sidecar' | 'router';
  pod: string;
  namespace: string;
  labels: Record<string, string>;
  serviceAccount: string;
  workloadName: string;
  adminPort: number;
  xds: { host: string; port: number };
  httpProxyPort?: number;
  inbound?: InboundWiring[];
  outbound?: OutboundWiring[];
  gatewayPorts?: Record<number, { name: number; bind: string; port: number }>;
}

const socket = (address: string, port: number) => ({ socket_address: { address, port_value: port } });

export function nodeId(type: 'sidecar' | 'router', pod: string, namespace: string): string {
  return `${type}~127.0.0.1~${pod}.${namespace}~${namespace}.svc.cluster.local`;
}

export function buildBootstrap(input: BootstrapInput): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    INTERCEPTION_MODE: 'NONE',
    NAMESPACE: input.namespace,
    LABELS: input.labels,
    SERVICE_ACCOUNT: input.serviceAccount,
    WORKLOAD_NAME: input.workloadName,
  };
  if (input.httpProxyPort) metadata['WEFT_HTTP_PROXY'] = `127.0.0.1:${input.httpProxyPort}`;
  if (input.inbound?.length) metadata['WEFT_INBOUND'] = input.inbound;
  if (input.outbound?.length) metadata['WEFT_OUTBOUND'] = input.outbound;
  if (input.gatewayPorts) metadata['WEFT_GATEWAY_PORTS'] = input.gatewayPorts;
  return {
    node: {
      id: nodeId(input.type, input.pod, input.namespace),
      cluster: `${input.workloadName}.${input.namespace}`,
      metadata,
    },
    admin: { address: socket('127.0.0.1', input.adminPort) },
    dynamic_resources: {
      ads_config: {
        api_type: 'GRPC',
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }],
      },
      lds_config: { ads: {}, resource_api_version: 'V3' },
      cds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [
        {
          name: 'xds-grpc',
          // The ADS client speaks gRPC itself; the engine's HTTP/1.1 pools never carry this cluster.
          type: 'STATIC',
          connect_timeout: '1s',
          load_assignment: {
            cluster_name: 'xds-grpc',
            endpoints: [
              { lb_endpoints: [{ endpoint: { address: socket(input.xds.host, input.xds.port) } }] },
            ],
          },
        },
      ],
    },
  };
}

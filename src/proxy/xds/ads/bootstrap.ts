// Where the ADS server is, as an Envoy bootstrap says it: dynamic_resources.ads_config names a
// gRPC service, either an envoy_grpc cluster (whose static load_assignment holds the address or
// a unix pipe) or a google_grpc target_uri.
import { isJsonObject, type JsonObject } from '../../../xds/index.ts';

export type AdsTarget = { ok: true; address: string } | { ok: false; message: string };

const obj = (v: unknown): JsonObject | undefined => (isJsonObject(v) ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The gRPC target ('host:port' or 'unix:/path') of the bootstrap's ADS server. */
export function adsTargetFromBootstrap(bootstrap: unknown): AdsTarget {
  const ads = obj(obj(obj(bootstrap)?.['dynamic_resources'])?.['ads_config']);
  if (!ads) return { ok: false, message: 'bootstrap has no dynamic_resources.ads_config' };
  const apiType = ads['api_type'] ?? 'GRPC';
  if (apiType !== 'GRPC') {
    return {
      ok: false,
      message: `dynamic_resources.ads_config.api_type ${String(apiType)} is not supported (GRPC only)`,
    };
  }
  const service = obj(arr(ads['grpc_services'])[0]);
  if (!service) return { ok: false, message: 'dynamic_resources.ads_config.grpc_services is empty' };
  const google = obj(service['google_grpc']);
  if (google) {
    const target = google['target_uri'];
    if (typeof target === 'string' && target) return { ok: true, address: target };
    return {
      ok: false,
      message: 'dynamic_resources.ads_config.grpc_services[0].google_grpc.target_uri is missing',
    };
  }
  const clusterName = obj(service['envoy_grpc'])?.['cluster_name'];
  if (typeof clusterName !== 'string') {
    return {
      ok: false,
      message: 'dynamic_resources.ads_config.grpc_services[0] needs envoy_grpc.cluster_name',
    };
  }
  const cluster = arr(obj(obj(bootstrap)?.['static_resources'])?.['clusters'])
    .map(obj)
    .find((c) => c?.['name'] === clusterName);
  if (!cluster)
    return {
      ok: false,
      message: `static_resources.clusters has no cluster "${clusterName}" (the ADS cluster)`,
    };
  if (cluster['transport_socket']) {
    return {
      ok: false,
      message: `cluster "${clusterName}": TLS to the xDS server (transport_socket) is not implemented`,
    };
  }
  const endpoint = obj(
    obj(
      obj(arr(obj(arr(obj(cluster['load_assignment'])?.['endpoints'])[0])?.['lb_endpoints'])[0])?.[
        'endpoint'
      ],
    )?.['address'],
  );
  const pipe = obj(endpoint?.['pipe'])?.['path'];
  if (typeof pipe === 'string' && pipe) return { ok: true, address: `unix:${pipe}` };
  const socket = obj(endpoint?.['socket_address']);
  const host = socket?.['address'];
  const port = socket?.['port_value'];
  if (typeof host !== 'string' || typeof port !== 'number') {
    return {
      ok: false,
      message: `cluster "${clusterName}": load_assignment.endpoints[0].lb_endpoints[0].endpoint.address needs socket_address or pipe`,
    };
  }
  return { ok: true, address: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}` };
}

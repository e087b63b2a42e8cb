// The four xDS v3 resource decoders and the dispatcher on type URL. Each takes a resource in
// Envoy's canonical JSON form and returns the decoded model or every problem found in it.
import type {
  ClusterConfig,
  EndpointAssignmentConfig,
  ListenerConfig,
  RouteConfig,
} from '../../config/index.ts';
import { readCluster } from './cluster.ts';
import { readClusterLoadAssignment } from './endpoint.ts';
import { readListener } from './listener.ts';
import { DecodeContext, type DecodeResult, describe, isObject, MessageReader } from './reader.ts';
import { readRouteConfiguration } from './route-config.ts';

export const LISTENER_TYPE_URL = 'type.googleapis.com/envoy.config.listener.v3.Listener';
export const ROUTE_TYPE_URL = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
export const CLUSTER_TYPE_URL = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
export const ENDPOINT_TYPE_URL = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';

export type DecodedResource =
  | { typeUrl: typeof LISTENER_TYPE_URL; name: string; value: ListenerConfig }
  | { typeUrl: typeof ROUTE_TYPE_URL; name: string; value: RouteConfig }
  | { typeUrl: typeof CLUSTER_TYPE_URL; name: string; value: ClusterConfig }
  | { typeUrl: typeof ENDPOINT_TYPE_URL; name: string; value: EndpointAssignmentConfig };

/**
 * Runs `read` on a resource with a fresh error context. `path` prefixes every error path (e.g.
 * 'static_resources.clusters[2]' for a bootstrap); `nameField` names the resource in messages.
 */
function decode<T>(
  kind: string,
  nameField: string,
  json: unknown,
  path: string,
  read: (r: MessageReader, name: string) => T,
): DecodeResult<T> {
  const ctx = new DecodeContext(kind);
  if (!isObject(json)) {
    ctx.add(path, `${kind} must be an object, got ${describe(json)}`);
    return { ok: false, errors: ctx.errors };
  }
  const r = new MessageReader(ctx, path, json);
  const name = r.str(nameField) ?? '';
  ctx.resource = `${kind} '${name}'`;
  if (name === '') r.error(nameField, `'${nameField}' is required and must be non-empty`);
  const value = read(r, name);
  return ctx.errors.length > 0 ? { ok: false, errors: ctx.errors } : { ok: true, value };
}

export function decodeListener(json: unknown, path = ''): DecodeResult<ListenerConfig> {
  return decode('Listener', 'name', json, path, readListener);
}

export function decodeRouteConfiguration(json: unknown, path = ''): DecodeResult<RouteConfig> {
  return decode('RouteConfiguration', 'name', json, path, (r) => readRouteConfiguration(r));
}

export function decodeCluster(json: unknown, path = ''): DecodeResult<ClusterConfig> {
  return decode('Cluster', 'name', json, path, readCluster);
}

export function decodeClusterLoadAssignment(
  json: unknown,
  path = '',
): DecodeResult<EndpointAssignmentConfig> {
  // Endpoints of EDS clusters are addresses; DNS clusters never get theirs over EDS.
  return decode('ClusterLoadAssignment', 'cluster_name', json, path, (r) =>
    readClusterLoadAssignment(r, false),
  );
}

/** Decodes a resource of one of the four supported type URLs. */
export function decodeResource(typeUrl: string, json: unknown): DecodeResult<DecodedResource> {
  const wrap = <T>(res: DecodeResult<T>, make: (v: T) => DecodedResource): DecodeResult<DecodedResource> =>
    res.ok ? { ok: true, value: make(res.value) } : res;
  switch (typeUrl) {
    case LISTENER_TYPE_URL:
      return wrap(decodeListener(json), (v) => ({ typeUrl, name: v.name, value: v }));
    case ROUTE_TYPE_URL:
      return wrap(decodeRouteConfiguration(json), (v) => ({ typeUrl, name: v.name, value: v }));
    case CLUSTER_TYPE_URL:
      return wrap(decodeCluster(json), (v) => ({ typeUrl, name: v.name, value: v }));
    case ENDPOINT_TYPE_URL:
      return wrap(decodeClusterLoadAssignment(json), (v) => ({ typeUrl, name: v.clusterName, value: v }));
    default:
      return { ok: false, errors: [{ path: '', message: `unsupported resource type URL '${typeUrl}'` }] };
  }
}

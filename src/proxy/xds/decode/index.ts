// Decoding and validating Envoy xDS v3 resources and bootstraps into the proxy's config model.
export {
  type BootstrapConfig,
  type BootstrapError,
  type DynamicResourcesConfig,
  decodeBootstrap,
  loadBootstrap,
} from './bootstrap.ts';
export { type DecodeError, type DecodeResult, formatDecodeErrors } from './reader.ts';
export {
  CLUSTER_TYPE_URL,
  type DecodedResource,
  decodeCluster,
  decodeClusterLoadAssignment,
  decodeListener,
  decodeResource,
  decodeRouteConfiguration,
  ENDPOINT_TYPE_URL,
  LISTENER_TYPE_URL,
  ROUTE_TYPE_URL,
} from './resources.ts';

// The service registry: services, workloads and endpoints derived from configuration.
export { buildRegistry, type RegistryOptions } from './build.ts';
export type {
  MeshService,
  Protocol,
  RegistrySnapshot,
  Resolution,
  ServiceEndpoint,
  ServicePort,
  WorkloadInstance,
} from './model.ts';
export { isHttpProtocol, protocolOf } from './protocol.ts';

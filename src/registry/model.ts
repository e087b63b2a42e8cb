// The mesh's view of services and the workloads behind them, as Istio's service registry sees it:
// Kubernetes Services and ServiceEntries become services keyed by FQDN; Pods and WorkloadEntries
// become workload instances; each (service port, selected workload) pair is an endpoint.

/** Istio's protocol names, chosen per port from its name prefix or appProtocol. */
export type Protocol =
  | 'HTTP'
  | 'HTTP2'
  | 'HTTP_PROXY'
  | 'GRPC'
  | 'GRPC-WEB'
  | 'HTTPS'
  | 'TLS'
  | 'TCP'
  | 'MONGO'
  | 'REDIS'
  | 'MYSQL'
  | 'UDP'
  | 'UNSUPPORTED';

export interface ServicePort {
  name: string;
  port: number;
  protocol: Protocol;
  /** Kubernetes targetPort (number or the container port's name); ServiceEntry: targetPort or port. */
  targetPort: number | string;
}

export type Resolution = 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN' | 'NONE' | 'CLIENT_SIDE_LB';

export interface MeshService {
  /** Fully qualified host: 'reviews.default.svc.cluster.local' or a ServiceEntry host. */
  hostname: string;
  name: string;
  namespace: string;
  ports: ServicePort[];
  labels: Record<string, string>;
  /** Label selector of the workloads behind it; undefined: endpoints are listed explicitly. */
  selector?: Record<string, string>;
  resolution: Resolution;
  /** Virtual IPs (a Service's clusterIP, a ServiceEntry's addresses). */
  addresses: string[];
  location: 'MESH_INTERNAL' | 'MESH_EXTERNAL';
  /** Namespaces it is visible to ('*' all, '.' own namespace), Istio's exportTo. */
  exportTo: string[];
  origin: 'Service' | 'ServiceEntry';
}

export interface WorkloadInstance {
  /** Pod or WorkloadEntry name. */
  name: string;
  namespace: string;
  address: string;
  labels: Record<string, string>;
  serviceAccount: string;
  /** Port name → port on the workload (WorkloadEntry.ports; container ports by name for pods). */
  namedPorts: Record<string, number>;
  /**
   * Where a target port is really served, when that differs from the number itself: local mode
   * runs every pod on 127.0.0.1, so container port 9080 of each replica is reached on a port of
   * its own (its sidecar's inbound listener).
   */
  portMap: Record<number, number>;
  healthy: boolean;
  origin: 'Pod' | 'WorkloadEntry' | 'ServiceEntry';
  locality: string;
  weight: number;
}

export interface ServiceEndpoint {
  hostname: string;
  servicePort: ServicePort;
  address: string;
  port: number;
  workload: WorkloadInstance;
}

export interface RegistrySnapshot {
  readonly services: ReadonlyMap<string, MeshService>;
  readonly workloads: readonly WorkloadInstance[];
  /** Endpoints of a service port (by port number). */
  endpoints(hostname: string, port: number): ServiceEndpoint[];
  /** Resolves a host as written in config, relative to a namespace, to a service. */
  resolve(host: string, namespace: string): MeshService | undefined;
  /** Services of which the workload is a member (it is selected by them). */
  servicesOf(workload: WorkloadInstance): MeshService[];
}

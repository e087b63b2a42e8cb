// ClusterLoadAssignments: the registry's endpoints of a service port, narrowed to a subset's labels,
// grouped by locality as Envoy expects.
import type { ServiceEndpoint } from '../../registry/index.ts';
import type { ClusterPlan, Json } from './clusters.ts';
import type { MeshIndex } from './mesh.ts';

export function endpointsFor(index: MeshIndex, plan: ClusterPlan): ServiceEndpoint[] {
  const all = index.registry.endpoints(plan.service.hostname, plan.port.port);
  const wanted = Object.entries(plan.subsetLabels);
  if (wanted.length === 0) return all;
  return all.filter((ep) => wanted.every(([k, v]) => ep.workload.labels[k] === v));
}

export function loadAssignmentJson(clusterName: string, endpoints: ServiceEndpoint[]): Json {
  const byLocality = new Map<string, ServiceEndpoint[]>();
  for (const ep of endpoints) {
    const list = byLocality.get(ep.workload.locality) ?? [];
    list.push(ep);
    byLocality.set(ep.workload.locality, list);
  }
  return {
    '@type': 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
    cluster_name: clusterName,
    endpoints: [...byLocality].map(([locality, eps]) => {
      const [region = '', zone = '', subZone = ''] = locality.split('/');
      return {
        ...(locality ? { locality: { region, zone, sub_zone: subZone } } : {}),
        lb_endpoints: eps.map((ep) => ({
          endpoint: { address: { socket_address: { address: ep.address, port_value: ep.port } } },
          health_status: ep.workload.healthy ? 'HEALTHY' : 'UNHEALTHY',
          load_balancing_weight: ep.workload.weight,
          metadata: {
            filter_metadata: {
              istio: {
                workload: `${ep.workload.name};${ep.workload.namespace}`,
                service_account: ep.workload.serviceAccount,
              },
            },
          },
        })),
      };
    }),
  };
}

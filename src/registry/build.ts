// Builds the registry from the config store's Kubernetes and Istio objects (plus workloads that a
// runtime reports itself). Pure: the same snapshot always gives the same registry.
import type { ConfigSnapshot, StoredResource } from '../config/index.ts';
import type {
  MeshService,
  RegistrySnapshot,
  Resolution,
  ServiceEndpoint,
  ServicePort,
  WorkloadInstance,
} from './model.ts';
import { protocolOf } from './protocol.ts';

export interface RegistryOptions {
  /** Kubernetes cluster domain; Istio's default. */
  domainSuffix?: string;
  /** Workloads reported by a runtime (local mode pods), in addition to Pods and WorkloadEntries. */
  workloads?: WorkloadInstance[];
}

type Obj = Record<string, unknown>;

export function buildRegistry(config: ConfigSnapshot, options: RegistryOptions = {}): RegistrySnapshot {
  const suffix = options.domainSuffix ?? 'cluster.local';
  const services = new Map<string, MeshService>();
  const explicit = new Map<string, WorkloadInstance[]>();

  for (const r of config.ofKind('Service', '')) {
    const svc = fromKubeService(r, suffix);
    services.set(svc.hostname, svc);
  }
  for (const r of config.ofKind('ServiceEntry', 'networking.istio.io')) {
    for (const { service, endpoints } of fromServiceEntry(r)) {
      services.set(service.hostname, service);
      if (endpoints.length > 0) explicit.set(service.hostname, endpoints);
    }
  }

  const workloads: WorkloadInstance[] = [];
  for (const r of config.ofKind('Pod', '')) {
    const w = fromPod(r);
    if (w) workloads.push(w);
  }
  for (const r of config.ofKind('WorkloadEntry', 'networking.istio.io')) workloads.push(fromWorkloadEntry(r));
  workloads.push(...(options.workloads ?? []));

  return new Registry(services, workloads, explicit, suffix);
}

class Registry implements RegistrySnapshot {
  private readonly endpointCache = new Map<string, ServiceEndpoint[]>();
  /** Workloads by `namespace\0label\0value`, for selector lookups. */
  private byLabel: Map<string, WorkloadInstance[]> | undefined;

  readonly services: ReadonlyMap<string, MeshService>;
  readonly workloads: readonly WorkloadInstance[];
  private readonly explicit: ReadonlyMap<string, WorkloadInstance[]>;
  private readonly suffix: string;

  constructor(
    services: ReadonlyMap<string, MeshService>,
    workloads: readonly WorkloadInstance[],
    explicit: ReadonlyMap<string, WorkloadInstance[]>,
    suffix: string,
  ) {
    this.services = services;
    this.workloads = workloads;
    this.explicit = explicit;
    this.suffix = suffix;
  }

  endpoints(hostname: string, port: number): ServiceEndpoint[] {
    const cacheKey = `${hostname}:${port}`;
    const cached = this.endpointCache.get(cacheKey);
    if (cached) return cached;
    const svc = this.services.get(hostname);
    const sp = svc?.ports.find((p) => p.port === port);
    const out: ServiceEndpoint[] = [];
    if (svc && sp) {
      const members = this.explicit.get(hostname) ?? this.candidates(svc).filter((w) => selects(svc, w));
      for (const w of members) {
        const target = targetPortOf(sp, w);
        if (target !== undefined)
          out.push({ hostname, servicePort: sp, address: w.address, port: target, workload: w });
      }
    }
    this.endpointCache.set(cacheKey, out);
    return out;
  }

  /**
   * Workloads that may match a service's selector: those carrying its first label. Filtering every
   * workload for every service made a rebuild cost services × workloads (5M checks at 1,000
   * services and 5,000 workloads); the index is built once per registry, on first use.
   */
  private candidates(svc: MeshService): readonly WorkloadInstance[] {
    const first = svc.selector ? Object.entries(svc.selector)[0] : undefined;
    if (!first) return [];
    if (!this.byLabel) {
      this.byLabel = new Map();
      for (const w of this.workloads) {
        for (const [k, v] of Object.entries(w.labels)) {
          const key = `${w.namespace}\0${k}\0${v}`;
          const list = this.byLabel.get(key);
          if (list) list.push(w);
          else this.byLabel.set(key, [w]);
        }
      }
    }
    return this.byLabel.get(`${svc.namespace}\0${first[0]}\0${first[1]}`) ?? [];
  }

  resolve(host: string, namespace: string): MeshService | undefined {
    const direct = this.services.get(host);
    if (direct) return direct;
    // Kubernetes short names, as Istio resolves them relative to the config's namespace.
    const parts = host.split('.');
    if (parts.length === 1) return this.services.get(`${host}.${namespace}.svc.${this.suffix}`);
    if (parts.length === 2) return this.services.get(`${host}.svc.${this.suffix}`);
    if (parts.length === 3 && parts[2] === 'svc') return this.services.get(`${host}.${this.suffix}`);
    return undefined;
  }

  servicesOf(workload: WorkloadInstance): MeshService[] {
    return [...this.services.values()].filter((s) => selects(s, workload));
  }
}

/** Kubernetes semantics: a selector picks workloads of its own namespace whose labels include it. */
function selects(svc: MeshService, w: WorkloadInstance): boolean {
  if (!svc.selector || Object.keys(svc.selector).length === 0) return false;
  if (svc.namespace !== w.namespace) return false;
  for (const [k, v] of Object.entries(svc.selector)) if (w.labels[k] !== v) return false;
  return true;
}

function targetPortOf(sp: ServicePort, w: WorkloadInstance): number | undefined {
  // A WorkloadEntry names its ports after the service port's name (Istio's rule).
  const byServicePortName = w.namedPorts[sp.name];
  if (byServicePortName !== undefined && w.origin !== 'Pod')
    return w.portMap[byServicePortName] ?? byServicePortName;
  let target: number | undefined;
  if (typeof sp.targetPort === 'number') target = sp.targetPort;
  else if (/^\d+$/.test(sp.targetPort)) target = Number(sp.targetPort);
  else target = w.namedPorts[sp.targetPort];
  if (target === undefined) return undefined;
  return w.portMap[target] ?? target;
}

function fromKubeService(r: StoredResource, suffix: string): MeshService {
  const spec = (r.body['spec'] ?? {}) as Obj;
  const meta = (r.body['metadata'] ?? {}) as Obj;
  const annotations = (meta['annotations'] ?? {}) as Record<string, string>;
  const ports = ((spec['ports'] ?? []) as Obj[]).map(
    (p): ServicePort => ({
      name: (p['name'] as string | undefined) ?? '',
      port: Number(p['port']),
      protocol: protocolOf(p['name'] as string | undefined, p['appProtocol'] as string | undefined),
      targetPort: (p['targetPort'] as number | string | undefined) ?? Number(p['port']),
    }),
  );
  const clusterIP = spec['clusterIP'] as string | undefined;
  const exportTo = annotations['networking.istio.io/exportTo'];
  return {
    hostname: `${r.key.name}.${r.key.namespace}.svc.${suffix}`,
    name: r.key.name,
    namespace: r.key.namespace,
    ports,
    labels: (meta['labels'] ?? {}) as Record<string, string>,
    selector: spec['selector'] as Record<string, string> | undefined,
    resolution: clusterIP === 'None' ? 'NONE' : 'STATIC',
    addresses: clusterIP && clusterIP !== 'None' ? [clusterIP] : [],
    location: 'MESH_INTERNAL',
    exportTo: exportTo ? exportTo.split(',').map((s) => s.trim()) : ['*'],
    origin: 'Service',
  };
}

function fromServiceEntry(r: StoredResource): { service: MeshService; endpoints: WorkloadInstance[] }[] {
  const spec = (r.body['spec'] ?? {}) as Obj;
  const ports = ((spec['ports'] ?? []) as Obj[]).map(
    (p): ServicePort => ({
      name: (p['name'] as string | undefined) ?? '',
      port: Number(p['number']),
      protocol: protocolOf(p['name'] as string | undefined, undefined, p['protocol'] as string | undefined),
      targetPort: (p['targetPort'] as number | undefined) ?? Number(p['number']),
    }),
  );
  const selector = (spec['workloadSelector'] as Obj | undefined)?.['labels'] as
    | Record<string, string>
    | undefined;
  const resolution = ((spec['resolution'] as string | undefined) ?? 'NONE') as Resolution;
  const endpoints = ((spec['endpoints'] ?? []) as Obj[]).map((e, i) =>
    fromEntryLike(e, `${r.key.name}-${i}`, r.key.namespace, 'ServiceEntry'),
  );
  return ((spec['hosts'] ?? []) as string[]).map((host) => ({
    service: {
      hostname: host,
      name: host,
      namespace: r.key.namespace,
      ports,
      labels: ((r.body['metadata'] as Obj)['labels'] ?? {}) as Record<string, string>,
      selector,
      resolution,
      addresses: (spec['addresses'] ?? []) as string[],
      location: ((spec['location'] as string | undefined) ?? 'MESH_EXTERNAL') as MeshService['location'],
      exportTo: (spec['exportTo'] as string[] | undefined) ?? ['*'],
      origin: 'ServiceEntry',
    },
    // DNS resolution without endpoints means "the host itself", one endpoint per port.
    endpoints:
      endpoints.length === 0 && (resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') && !selector
        ? [fromEntryLike({ address: host }, host, r.key.namespace, 'ServiceEntry')]
        : endpoints,
  }));
}

function fromWorkloadEntry(r: StoredResource): WorkloadInstance {
  return fromEntryLike((r.body['spec'] ?? {}) as Obj, r.key.name, r.key.namespace, 'WorkloadEntry');
}

function fromEntryLike(
  e: Obj,
  name: string,
  namespace: string,
  origin: WorkloadInstance['origin'],
): WorkloadInstance {
  return {
    name,
    namespace,
    address: (e['address'] as string | undefined) ?? '',
    labels: (e['labels'] ?? {}) as Record<string, string>,
    serviceAccount: (e['serviceAccount'] as string | undefined) ?? 'default',
    namedPorts: (e['ports'] ?? {}) as Record<string, number>,
    portMap: {},
    healthy: true,
    origin,
    locality: (e['locality'] as string | undefined) ?? '',
    weight: (e['weight'] as number | undefined) ?? 1,
  };
}

function fromPod(r: StoredResource): WorkloadInstance | undefined {
  const spec = (r.body['spec'] ?? {}) as Obj;
  const status = (r.body['status'] ?? {}) as Obj;
  const address = status['podIP'] as string | undefined;
  if (!address) return undefined; // not scheduled yet: no endpoint to send to
  const namedPorts: Record<string, number> = {};
  for (const c of (spec['containers'] ?? []) as Obj[]) {
    for (const p of (c['ports'] ?? []) as Obj[]) {
      if (typeof p['name'] === 'string') namedPorts[p['name']] = Number(p['containerPort']);
    }
  }
  const ready = ((status['conditions'] ?? []) as Obj[]).find((c) => c['type'] === 'Ready');
  return {
    name: r.key.name,
    namespace: r.key.namespace,
    address,
    labels: ((r.body['metadata'] as Obj)['labels'] ?? {}) as Record<string, string>,
    serviceAccount: (spec['serviceAccountName'] as string | undefined) ?? 'default',
    namedPorts,
    portMap: {},
    healthy: ready ? ready['status'] === 'True' : true,
    origin: 'Pod',
    locality: '',
    weight: 1,
  };
}

// Test fixtures for simulations: Istio's Bookinfo (and other samples) loaded into a store, with a
// workload per Deployment so services have endpoints, and the proxies a test generates for.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml, validateDocuments } from '../../api/index.ts';
import { ConfigStore, toInput } from '../../config/index.ts';
import { buildRegistry, type WorkloadInstance } from '../../registry/index.ts';
import {
  buildMeshIndex,
  type GeneratedConfig,
  generateProxyConfig,
  type ProxyInfo,
} from '../translate/index.ts';
import { Simulation } from './index.ts';

export const SAMPLES = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'istio', 'samples');

/** Loads sample files (paths relative to the samples folder); fails on any validation error. */
export function loadSamples(files: string[]): ConfigStore {
  const store = new ConfigStore();
  for (const f of files) {
    const { docs, issues } = parseYaml(readFileSync(join(SAMPLES, f), 'utf8'), f);
    const errors = [...issues, ...validateDocuments(docs)].filter((i) => i.severity === 'error');
    if (errors.length > 0) throw new Error(`${f}: ${errors.map((e) => e.message).join('; ')}`);
    store.update(docs.map(toInput));
  }
  return store;
}

/** One workload per Deployment, at 10.0.<n>.1, as a scheduler would place its pod. */
export function workloadsOfDeployments(store: ConfigStore): WorkloadInstance[] {
  return store
    .snapshot()
    .ofKind('Deployment')
    .map((d, i) => {
      const spec = (d.body['spec'] ?? {}) as {
        template?: { metadata?: { labels?: Record<string, string> }; spec?: { serviceAccountName?: string } };
      };
      return {
        name: `${d.key.name}-0`,
        namespace: d.key.namespace,
        address: `10.0.${i + 1}.1`,
        labels: spec.template?.metadata?.labels ?? {},
        serviceAccount: spec.template?.spec?.serviceAccountName ?? 'default',
        namedPorts: {},
        portMap: {},
        healthy: true,
        origin: 'Pod' as const,
        locality: '',
        weight: 1,
      };
    });
}

export function sidecar(labels: Record<string, string>, extra: Partial<ProxyInfo> = {}): ProxyInfo {
  return {
    type: 'sidecar',
    id: `sidecar~127.0.0.1~${labels['app'] ?? 'x'}-0.default~default.svc.cluster.local`,
    namespace: 'default',
    labels,
    serviceAccount: 'default',
    workloadName: labels['app'] ?? 'x',
    ipAddresses: ['127.0.0.1'],
    captureMode: 'NONE',
    httpProxy: { bind: '127.0.0.1', port: 15080 },
    outboundBindings: [],
    inboundBindings: [],
    gatewayPorts: {},
    ...extra,
  };
}

export function ingressGateway(): ProxyInfo {
  return sidecar(
    { istio: 'ingressgateway', app: 'istio-ingressgateway' },
    {
      type: 'router',
      namespace: 'istio-system',
      httpProxy: undefined,
      gatewayPorts: {
        80: { name: 8080, bind: '127.0.0.1', port: 8080 },
        8080: { name: 8080, bind: '127.0.0.1', port: 8080 },
        443: { name: 8443, bind: '127.0.0.1', port: 8443 },
        31400: { name: 31400, bind: '127.0.0.1', port: 31400 },
      },
    },
  );
}

/** Store + workloads → the simulation of one proxy's generated config. */
/** The config pilot generates for `proxy` from `store` (its Deployments' pods as the workloads). */
export function generateFor(store: ConfigStore, proxy: ProxyInfo): GeneratedConfig {
  const registry = buildRegistry(store.snapshot(), { workloads: workloadsOfDeployments(store) });
  return generateProxyConfig(buildMeshIndex(store.snapshot(), registry), proxy);
}

export function simulate(store: ConfigStore, proxy: ProxyInfo): Simulation {
  return new Simulation(generateFor(store, proxy));
}

export const BOOKINFO = 'bookinfo/platform/kube/bookinfo.yaml';
export const NET = 'bookinfo/networking/';

/** Loads sample files, then the resources of `yaml` (fails on any validation error in either). */
export function loadWith(files: string[], yaml: string): ConfigStore {
  const store = loadSamples(files);
  const { docs, issues } = parseYaml(yaml, 'inline.yaml');
  const errors = [...issues, ...validateDocuments(docs)].filter((i) => i.severity === 'error');
  if (errors.length > 0) throw new Error(`inline.yaml: ${errors.map((e) => e.message).join('; ')}`);
  store.update(docs.map(toInput));
  return store;
}

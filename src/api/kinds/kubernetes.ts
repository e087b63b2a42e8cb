// Basic structural checks for the built-in Kubernetes kinds Weft reads (it does not carry their
// full OpenAPI schemas): the fields Weft relies on have the right shape, and the API server's
// most common rejections (port ranges, port names, selectors matching templates) are caught.
import type { FieldPath } from '../issue.ts';
import type { SchemaIssue } from '../schema/index.ts';
import { dns1123Label, ianaServiceName } from './names.ts';

type Check = (body: Record<string, unknown>) => SchemaIssue[];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads an optional object/array at `path` in `body`, reporting a wrong type. */
class Reader {
  readonly out: SchemaIssue[] = [];
  object(value: unknown, path: FieldPath): Record<string, unknown> | undefined {
    if (value === undefined || value === null) return undefined;
    if (isObject(value)) return value;
    this.out.push({ path, message: `must be an object, got ${JSON.stringify(value)}` });
    return undefined;
  }
  array(value: unknown, path: FieldPath): unknown[] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    this.out.push({ path, message: `must be a list, got ${JSON.stringify(value)}` });
    return [];
  }
  required(obj: Record<string, unknown>, field: string, path: FieldPath): boolean {
    if (obj[field] !== undefined && obj[field] !== null && obj[field] !== '') return true;
    this.out.push({ path: [...path, field], message: 'required field is missing' });
    return false;
  }
  port(value: unknown, path: FieldPath, required: boolean): void {
    if (value === undefined || value === null) {
      if (required) this.out.push({ path, message: 'required field is missing' });
      return;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
      this.out.push({
        path,
        message: `must be a port number between 1 and 65535, got ${JSON.stringify(value)}`,
      });
    }
  }
  /** int-or-string: a port number, or an IANA service name naming a container port. */
  targetPort(value: unknown, path: FieldPath): void {
    if (value === undefined || value === null) return;
    if (typeof value === 'string') {
      const problem = ianaServiceName(value);
      if (problem) this.out.push({ path, message: `invalid port name ${JSON.stringify(value)}: ${problem}` });
      return;
    }
    this.port(value, path, false);
  }
  enumValue(value: unknown, allowed: readonly string[], path: FieldPath): void {
    if (value === undefined || value === null) return;
    if (typeof value !== 'string' || !allowed.includes(value)) {
      this.out.push({
        path,
        message: `unsupported value ${JSON.stringify(value)}`,
        hint: `supported values: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
      });
    }
  }
  portName(value: unknown, path: FieldPath): void {
    if (value === undefined || value === null) return;
    const problem = typeof value === 'string' ? dns1123Label(value) : 'must be a string';
    if (problem) this.out.push({ path, message: `invalid port name ${JSON.stringify(value)}: ${problem}` });
  }
  stringMap(value: unknown, path: FieldPath): Record<string, unknown> | undefined {
    const map = this.object(value, path);
    if (!map) return undefined;
    for (const [k, v] of Object.entries(map)) {
      if (typeof v !== 'string')
        this.out.push({ path: [...path, k], message: `must be a string, got ${JSON.stringify(v)}` });
    }
    return map;
  }
}

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;

const service: Check = (body) => {
  const r = new Reader();
  const spec = r.object(body['spec'], ['spec']) ?? {};
  r.enumValue(spec['type'], ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'], ['spec', 'type']);
  const ports = r.array(spec['ports'], ['spec', 'ports']);
  const names = new Map<string, number>();
  ports.forEach((p, i) => {
    const path: FieldPath = ['spec', 'ports', i];
    const port = r.object(p, path);
    if (!port) return;
    r.port(port['port'], [...path, 'port'], true);
    r.targetPort(port['targetPort'], [...path, 'targetPort']);
    if (port['nodePort'] !== undefined) r.port(port['nodePort'], [...path, 'nodePort'], false);
    r.enumValue(port['protocol'], PROTOCOLS, [...path, 'protocol']);
    r.portName(port['name'], [...path, 'name']);
    if (ports.length > 1 && !port['name'])
      r.out.push({ path: [...path, 'name'], message: 'required when a Service has more than one port' });
    if (typeof port['name'] === 'string') {
      const first = names.get(port['name']);
      if (first !== undefined)
        r.out.push({
          path: [...path, 'name'],
          message: `duplicate port name ${JSON.stringify(port['name'])}`,
          hint: `first used by spec.ports[${first}]`,
        });
      else names.set(port['name'], i);
    }
  });
  if (spec['type'] === 'ExternalName') r.required(spec, 'externalName', ['spec']);
  r.stringMap(spec['selector'], ['spec', 'selector']);
  return r.out;
};

function containers(r: Reader, podSpec: Record<string, unknown>, path: FieldPath): void {
  const list = r.array(podSpec['containers'], [...path, 'containers']);
  if (list.length === 0)
    r.out.push({ path: [...path, 'containers'], message: 'at least one container is required' });
  list.forEach((c, i) => {
    const cpath: FieldPath = [...path, 'containers', i];
    const container = r.object(c, cpath);
    if (!container) return;
    if (r.required(container, 'name', cpath)) r.portName(container['name'], [...cpath, 'name']);
    r.required(container, 'image', cpath);
    r.array(container['ports'], [...cpath, 'ports']).forEach((p, j) => {
      const ppath: FieldPath = [...cpath, 'ports', j];
      const port = r.object(p, ppath);
      if (!port) return;
      r.port(port['containerPort'], [...ppath, 'containerPort'], true);
      r.enumValue(port['protocol'], PROTOCOLS, [...ppath, 'protocol']);
      if (port['name'] !== undefined) r.targetPort(String(port['name']), [...ppath, 'name']);
    });
  });
}

const pod: Check = (body) => {
  const r = new Reader();
  const spec = r.object(body['spec'], ['spec']);
  if (!spec) r.out.push({ path: ['spec'], message: 'required field is missing' });
  else containers(r, spec, ['spec']);
  return r.out;
};

const deployment: Check = (body) => {
  const r = new Reader();
  const spec = r.object(body['spec'], ['spec']);
  if (!spec) return [{ path: ['spec'], message: 'required field is missing' }];
  if (
    spec['replicas'] !== undefined &&
    (typeof spec['replicas'] !== 'number' || !Number.isInteger(spec['replicas']) || spec['replicas'] < 0)
  ) {
    r.out.push({
      path: ['spec', 'replicas'],
      message: `must be a non-negative integer, got ${JSON.stringify(spec['replicas'])}`,
    });
  }
  const selector = r.object(spec['selector'], ['spec', 'selector']);
  if (!selector) r.out.push({ path: ['spec', 'selector'], message: 'required field is missing' });
  const template = r.object(spec['template'], ['spec', 'template']);
  if (!template) {
    r.out.push({ path: ['spec', 'template'], message: 'required field is missing' });
    return r.out;
  }
  const meta = r.object(template['metadata'], ['spec', 'template', 'metadata']) ?? {};
  const labels = r.stringMap(meta['labels'], ['spec', 'template', 'metadata', 'labels']) ?? {};
  const matchLabels = selector
    ? r.stringMap(selector['matchLabels'], ['spec', 'selector', 'matchLabels'])
    : undefined;
  for (const [k, v] of Object.entries(matchLabels ?? {})) {
    if (labels[k] !== v) {
      r.out.push({
        path: ['spec', 'template', 'metadata', 'labels'],
        message: '`selector` does not match template `labels`',
        hint: `spec.selector.matchLabels has ${k}: ${String(v)}`,
      });
      break;
    }
  }
  const podSpec = r.object(template['spec'], ['spec', 'template', 'spec']);
  if (!podSpec) r.out.push({ path: ['spec', 'template', 'spec'], message: 'required field is missing' });
  else containers(r, podSpec, ['spec', 'template', 'spec']);
  return r.out;
};

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;

function dataKeys(r: Reader, map: Record<string, unknown> | undefined, path: FieldPath): void {
  for (const key of Object.keys(map ?? {})) {
    if (!DATA_KEY.test(key) || key.length > 253) {
      r.out.push({
        path: [...path, key],
        message: `invalid key ${JSON.stringify(key)}: must consist of alphanumeric characters, '-', '_' or '.'`,
      });
    }
  }
}

const secret: Check = (body) => {
  const r = new Reader();
  const data = r.stringMap(body['data'], ['data']);
  for (const [k, v] of Object.entries(data ?? {})) {
    if (typeof v === 'string' && !BASE64.test(v.replace(/\s+/g, ''))) {
      r.out.push({
        path: ['data', k],
        message: 'must be base64-encoded',
        hint: 'use stringData for plain text values',
      });
    }
  }
  dataKeys(r, data, ['data']);
  dataKeys(r, r.stringMap(body['stringData'], ['stringData']), ['stringData']);
  return r.out;
};

const configMap: Check = (body) => {
  const r = new Reader();
  dataKeys(r, r.stringMap(body['data'], ['data']), ['data']);
  return r.out;
};

function endpointPorts(r: Reader, ports: unknown[], path: FieldPath, required: boolean): void {
  ports.forEach((p, i) => {
    const port = r.object(p, [...path, i]);
    if (!port) return;
    r.port(port['port'], [...path, i, 'port'], required);
    r.enumValue(port['protocol'], PROTOCOLS, [...path, i, 'protocol']);
  });
}

const endpoints: Check = (body) => {
  const r = new Reader();
  r.array(body['subsets'], ['subsets']).forEach((s, i) => {
    const subset = r.object(s, ['subsets', i]);
    if (!subset) return;
    endpointPorts(r, r.array(subset['ports'], ['subsets', i, 'ports']), ['subsets', i, 'ports'], true);
    r.array(subset['addresses'], ['subsets', i, 'addresses']).forEach((a, j) => {
      const address = r.object(a, ['subsets', i, 'addresses', j]);
      if (address) r.required(address, 'ip', ['subsets', i, 'addresses', j]);
    });
  });
  return r.out;
};

const endpointSlice: Check = (body) => {
  const r = new Reader();
  if (r.required(body, 'addressType', []))
    r.enumValue(body['addressType'], ['IPv4', 'IPv6', 'FQDN'], ['addressType']);
  endpointPorts(r, r.array(body['ports'], ['ports']), ['ports'], false);
  r.array(body['endpoints'], ['endpoints']).forEach((e, i) => {
    const endpoint = r.object(e, ['endpoints', i]);
    if (!endpoint) return;
    if (
      r.required(endpoint, 'addresses', ['endpoints', i]) &&
      r.array(endpoint['addresses'], ['endpoints', i, 'addresses']).length === 0
    ) {
      r.out.push({ path: ['endpoints', i, 'addresses'], message: 'must have at least one address' });
    }
  });
  return r.out;
};

const serviceAccount: Check = () => [];
const namespace: Check = () => [];

export const kubernetesChecks: Readonly<Record<string, Check>> = {
  Service: service,
  Pod: pod,
  Deployment: deployment,
  Secret: secret,
  ConfigMap: configMap,
  Endpoints: endpoints,
  EndpointSlice: endpointSlice,
  ServiceAccount: serviceAccount,
  Namespace: namespace,
};

// Who is on the other end of an ADS stream, read the way Istio reads it: the node id
// `<type>~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local` and the node metadata Istio's agent
// sends (NAMESPACE, LABELS, SERVICE_ACCOUNT, WORKLOAD_NAME, …).
import { isIP } from 'node:net';
import type { JsonObject } from '../../xds/index.ts';
import { isJsonObject } from '../../xds/index.ts';

/** Istio's proxy types; gateways are 'router'. */
export type ProxyType = 'sidecar' | 'router';

export interface ProxyNode {
  /** The node id as sent. */
  id: string;
  type: ProxyType;
  /** The proxy's IP addresses (the node id's, then INSTANCE_IPS). */
  ips: string[];
  /** The pod (or workload) name: the part of the id before the first '.'. */
  name: string;
  /** NAMESPACE, or the namespace part of the id. */
  namespace: string;
  /** DNS domain, e.g. 'default.svc.cluster.local'. */
  dnsDomain: string;
  labels: Record<string, string>;
  serviceAccount?: string;
  workloadName?: string;
  /** Node.cluster (Istio sets '<app>.<namespace>'). */
  cluster: string;
  /** The whole metadata Struct, for generators that need more. */
  metadata: JsonObject;
}

export type ParsedNode = { ok: true; node: ProxyNode } | { ok: false; message: string };

export function parseProxyNode(node: JsonObject | undefined): ParsedNode {
  if (!node) return { ok: false, message: 'the first DiscoveryRequest of a stream must carry node' };
  const id = typeof node['id'] === 'string' ? node['id'] : '';
  const parts = id.split('~');
  if (parts.length !== 4) {
    return { ok: false, message: `node id "${id}" is not <type>~<ip>~<name>.<namespace>~<domain>` };
  }
  const [type, ip, nameNs, dnsDomain] = parts as [string, string, string, string];
  if (type !== 'sidecar' && type !== 'router') {
    return { ok: false, message: `node id "${id}": unknown proxy type "${type}" (want sidecar or router)` };
  }
  if (isIP(ip) === 0) return { ok: false, message: `node id "${id}": "${ip}" is not an IP address` };
  const metadata = isJsonObject(node['metadata']) ? node['metadata'] : {};
  const dot = nameNs.indexOf('.');
  const name = dot >= 0 ? nameNs.slice(0, dot) : nameNs;
  const idNamespace = dot >= 0 ? nameNs.slice(dot + 1) : dnsDomain.split('.')[0]!;
  const namespace = stringField(metadata, 'NAMESPACE') ?? idNamespace;
  const ips = [ip];
  for (const extra of (stringField(metadata, 'INSTANCE_IPS') ?? '').split(',')) {
    if (extra && !ips.includes(extra) && isIP(extra) !== 0) ips.push(extra);
  }
  const parsed: ProxyNode = {
    id,
    type,
    ips,
    name,
    namespace,
    dnsDomain,
    labels: stringMap(metadata['LABELS']),
    cluster: typeof node['cluster'] === 'string' ? node['cluster'] : '',
    metadata,
  };
  const serviceAccount = stringField(metadata, 'SERVICE_ACCOUNT');
  if (serviceAccount) parsed.serviceAccount = serviceAccount;
  const workloadName = stringField(metadata, 'WORKLOAD_NAME');
  if (workloadName) parsed.workloadName = workloadName;
  return { ok: true, node: parsed };
}

function stringField(metadata: JsonObject, key: string): string | undefined {
  const value = metadata[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isJsonObject(value)) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

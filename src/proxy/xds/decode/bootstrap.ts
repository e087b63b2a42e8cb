// Envoy v3 Bootstrap (YAML or JSON) → what the proxy starts with: its node identity, the admin
// address, the static listeners and clusters, and where dynamic resources come from (ADS).
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type {
  AdminConfig,
  ClusterConfig,
  EnvoyJson,
  ListenerConfig,
  NodeIdentity,
  SocketAddress,
} from '../../config/index.ts';
import { readAddress } from './common.ts';
import { readAdsConfigSource } from './config-source.ts';
import {
  DecodeContext,
  type DecodeError,
  type DecodeResult,
  isObject,
  jsonName,
  MessageReader,
} from './reader.ts';
import { decodeCluster, decodeListener } from './resources.ts';

/** Where LDS/CDS come from: one ADS stream to a statically defined cluster. */
export interface DynamicResourcesConfig {
  /** The static cluster the ADS stream connects to (ads_config.grpc_services[0].envoy_grpc.cluster_name). */
  adsCluster?: string;
  /** The first endpoint of that cluster: the control plane's address. */
  xdsAddress?: SocketAddress;
  /** lds_config / cds_config are `{ads: {}}`: listeners / clusters come over the ADS stream. */
  lds: boolean;
  cds: boolean;
}

export interface BootstrapConfig {
  node: NodeIdentity;
  admin?: AdminConfig;
  staticResources: { listeners: ListenerConfig[]; clusters: ClusterConfig[] };
  dynamic?: DynamicResourcesConfig;
  /** The bootstrap as parsed (Envoy JSON), for the admin /config_dump. */
  source?: EnvoyJson;
}

/** A DecodeError located in the bootstrap file. */
export interface BootstrapError extends DecodeError {
  file: string;
  line: number;
}

// Bootstrap fields that change nothing observable for this proxy.
const BOOTSTRAP_NOOP = [
  'layered_runtime', // no runtime layer: runtime keys never override configuration here
  'stats_flush_interval', // stats are read on demand from the admin endpoint
];

export function loadBootstrap(
  text: string,
  file: string,
): { ok: true; value: BootstrapConfig } | { ok: false; errors: BootstrapError[] } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({
        file,
        line: counter.linePos(e.pos[0]).line,
        path: '',
        message: `YAML syntax error: ${e.message.split('\n')[0]}`,
      })),
    };
  }
  const json: unknown = doc.toJS({ maxAliasCount: 100 });
  const decoded = decodeBootstrap(json);
  if (decoded.ok) return decoded;
  const lineOf = (path: string): number => {
    const offset = offsetOf(doc.contents, parsePath(path));
    return offset === undefined ? 1 : counter.linePos(offset).line;
  };
  return { ok: false, errors: decoded.errors.map((e) => ({ ...e, file, line: lineOf(e.path) })) };
}

/** Decodes a bootstrap already parsed to JSON. */
export function decodeBootstrap(json: unknown): DecodeResult<BootstrapConfig> {
  const ctx = new DecodeContext('Bootstrap');
  if (!isObject(json)) {
    ctx.add('', 'the bootstrap must be an object');
    return { ok: false, errors: ctx.errors };
  }
  const r = new MessageReader(ctx, '', json);
  const errors: DecodeError[] = ctx.errors;
  const n = r.message('node');
  const node: NodeIdentity = {
    id: n?.str('id') ?? '',
    cluster: n?.str('cluster') ?? '',
    metadata: n?.map('metadata') ?? {},
  };
  // locality and user agent fields only describe the node to the control plane.
  n?.finish([
    'locality',
    'user_agent_name',
    'user_agent_version',
    'user_agent_build_version',
    'client_features',
  ]);

  let admin: AdminConfig | undefined;
  const a = r.message('admin');
  if (a) {
    admin = { address: readAddress(a, 'address', false) };
    const log = a.str('access_log_path');
    if (log) admin.accessLogPath = log;
    // profile_path is for the CPU profiler, which this proxy doesn't have.
    a.finish(['profile_path']);
  }

  const staticResources = { listeners: [] as ListenerConfig[], clusters: [] as ClusterConfig[] };
  const s = r.message('static_resources');
  if (s) {
    s.list('listeners').forEach((l, i) => {
      const res = decodeListener(l, `static_resources.listeners[${i}]`);
      if (res.ok) staticResources.listeners.push(res.value);
      else errors.push(...res.errors);
    });
    s.list('clusters').forEach((c, i) => {
      const res = decodeCluster(c, `static_resources.clusters[${i}]`);
      if (res.ok) staticResources.clusters.push(res.value);
      else errors.push(...res.errors);
    });
    if (s.list('secrets').length > 0)
      s.error('secrets', `static secrets are not supported; use inline certificates or SDS`);
    s.finish();
  }

  let dynamic: DynamicResourcesConfig | undefined;
  const d = r.message('dynamic_resources');
  if (d) dynamic = readDynamic(d, staticResources.clusters);
  r.finish(BOOTSTRAP_NOOP);
  if (errors.length > 0) return { ok: false, errors };
  const value: BootstrapConfig = { node, staticResources, source: json };
  if (admin) value.admin = admin;
  if (dynamic) value.dynamic = dynamic;
  return { ok: true, value };
}

function readDynamic(r: MessageReader, clusters: ClusterConfig[]): DynamicResourcesConfig {
  const out: DynamicResourcesConfig = { lds: false, cds: false };
  const ads = r.message('ads_config');
  if (ads) {
    if (
      ads.enumValue(
        'api_type',
        [
          'DEPRECATED_AND_UNAVAILABLE_DO_NOT_USE',
          'REST',
          'GRPC',
          'DELTA_GRPC',
          'AGGREGATED_GRPC',
          'AGGREGATED_DELTA_GRPC',
        ],
        'GRPC',
      ) !== 'GRPC'
    ) {
      ads.error('api_type', `only api_type GRPC (state-of-the-world ADS) is supported`);
    }
    if (ads.enumValue('transport_api_version', ['AUTO', 'V2', 'V3'], 'V3') === 'V2')
      ads.error('transport_api_version', `xDS v2 is not supported; use V3`);
    const services = ads.messages('grpc_services');
    if (services.length !== 1) ads.error('grpc_services', `ads_config needs exactly one grpc_services entry`);
    const svc = services[0];
    const envoyGrpc = svc?.message('envoy_grpc');
    if (svc && !envoyGrpc) svc.error('envoy_grpc', `only 'envoy_grpc' (a cluster name) is supported`);
    if (envoyGrpc) {
      const name = envoyGrpc.requiredStr('cluster_name');
      out.adsCluster = name;
      const cluster = clusters.find((c) => c.name === name);
      if (name && !cluster) envoyGrpc.error('cluster_name', `ADS cluster '${name}' is not a static cluster`);
      const ep = cluster?.loadAssignment?.localities[0]?.endpoints[0];
      if (ep) out.xdsAddress = ep.address;
      // authority only rewrites the :authority header of the gRPC stream.
      envoyGrpc.finish(['authority']);
    }
    // timeout and initial_metadata of the gRPC service are reported by finish() when set.
    svc?.finish();
    // set_node_on_first_message_only saves bytes on the wire; the server sees the same node.
    ads.finish(['set_node_on_first_message_only']);
  }
  for (const [field, key] of [
    ['lds_config', 'lds'],
    ['cds_config', 'cds'],
  ] as const) {
    if (!r.has(field)) continue;
    readAdsConfigSource(r.message(field), r, field);
    out[key] = true;
    if (!ads) r.error(field, `'${field}' uses ADS but dynamic_resources has no 'ads_config'`);
  }
  r.finish();
  return out;
}

/** 'a.b[2].c' → ['a', 'b', 2, 'c']. */
function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

/** Offset of the deepest node along `path` that exists; fields may be spelled snake_case or camelCase. */
function offsetOf(root: unknown, path: (string | number)[]): number | undefined {
  let node = root;
  let offset = rangeStart(root);
  for (const seg of path) {
    if (typeof seg === 'number' && isSeq(node)) {
      node = node.items[seg];
    } else if (typeof seg === 'string' && isMap(node)) {
      const names = [seg, jsonName(seg)];
      const pair = node.items.find((p) => isScalar(p.key) && names.includes(String(p.key.value)));
      if (!pair) return offset;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
      continue;
    } else return offset;
    if (node === undefined) return offset;
    offset = rangeStart(node) ?? offset;
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  return node && typeof node === 'object' && 'range' in node ? (node as Node).range?.[0] : undefined;
}

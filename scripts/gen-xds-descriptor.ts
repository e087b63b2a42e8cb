// Generates src/xds/generated/envoy-descriptor.json, the protobuf descriptor of the Envoy v3 API
// types Weft encodes and decodes, from Envoy's .proto files shipped in @grpc/grpc-js-xds (deps/).
// Parsing those files costs every proxy ~200 ms and tens of MB at start; the descriptor holds only
// the messages and enums reachable from the files listed below, with comments and the options
// encoding does not read (validation rules, annotations) left out, and loads with
// protobufjs Root.fromJSON. A unit test (src/xds/descriptor.test.ts) fails when it is stale.
//
// Usage: node scripts/gen-xds-descriptor.ts            (writes the file)
//        node scripts/gen-xds-descriptor.ts --check    (exits 1 when the committed file differs)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import protobuf from 'protobufjs';

export const OUTPUT_FILE = resolve(
  import.meta.dirname,
  '..',
  'src',
  'xds',
  'generated',
  'envoy-descriptor.json',
);

/**
 * The proto files whose types are kept, with everything they reach. Every message a resource or a
 * typed_config Any may carry must be defined in one of these; adding an Envoy extension is one line
 * here and a rerun of this script.
 */
export const ENVOY_PROTO_FILES: readonly string[] = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/http/grpc_stats/v3/config.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'google/protobuf/struct.proto',
  'google/protobuf/wrappers.proto',
  'google/protobuf/duration.proto',
  'google/protobuf/timestamp.proto',
  'google/rpc/status.proto',
];

/**
 * Types defined elsewhere that a resource may carry in an Any although no field names them:
 * FilterConfig wraps a typed_per_filter_config entry (is_optional / disabled), as Istio sends it.
 */
const EXTRA_TYPES: readonly string[] = ['envoy.config.route.v3.FilterConfig'];

/** Well-known types protobufjs bundles (no file name on them) that are kept whether reached or not. */
const BUNDLED_NAMESPACE = '.google.protobuf.';

/** Include directories inside the installed package, in protoc's -I order. */
function includeDirs(): string[] {
  const require = createRequire(import.meta.url);
  const deps = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  return [
    join(deps, 'envoy-api'),
    join(deps, 'xds'),
    join(deps, 'googleapis'),
    join(deps, 'protoc-gen-validate'),
    // google/protobuf/descriptor.proto (imported by option annotations) ships with protobufjs.
    dirname(require.resolve('protobufjs/package.json')),
  ];
}

function xdsPackageVersion(): string {
  const require = createRequire(import.meta.url);
  const pkg = JSON.parse(readFileSync(require.resolve('@grpc/grpc-js-xds/package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Parses the .proto files (snake_case field names kept, as in Envoy's canonical JSON). */
export function loadProtoSources(): protobuf.Root {
  const includes = includeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string): string => {
    for (const dir of includes) {
      const candidate = join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    // protobufjs bundles google/protobuf/*.proto; let it fall back to those by name.
    return target;
  };
  for (const file of ENVOY_PROTO_FILES) root.loadSync(file, { keepCase: true });
  root.resolveAll();
  return root;
}

type Kept = protobuf.Type | protobuf.Enum | protobuf.Service;
type JsonNode = Record<string, unknown>;

/** The types the listed files define, and everything their fields (or methods) reach. */
function reachable(root: protobuf.Root): Set<Kept> {
  const files = new Set(ENVOY_PROTO_FILES);
  const kept = new Set<Kept>();
  const queue: Kept[] = [];
  const visit = (obj: protobuf.ReflectionObject | null): void => {
    if (!(obj instanceof protobuf.Type || obj instanceof protobuf.Enum || obj instanceof protobuf.Service))
      return;
    if (kept.has(obj)) return;
    kept.add(obj);
    queue.push(obj);
  };
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const child of ns.nestedArray) {
      const rooted = child.filename
        ? files.has(relativeProtoName(child.filename))
        : child.fullName.startsWith(BUNDLED_NAMESPACE);
      if (rooted) visit(child);
      if (child instanceof protobuf.Namespace) walk(child);
    }
  };
  walk(root);
  for (const name of EXTRA_TYPES) visit(root.lookup(name));
  while (queue.length > 0) {
    const obj = queue.pop()!;
    if (obj instanceof protobuf.Type) for (const f of obj.fieldsArray) visit(f.resolvedType);
    if (obj instanceof protobuf.Service)
      for (const m of obj.methodsArray) {
        visit(m.resolvedRequestType);
        visit(m.resolvedResponseType);
      }
  }
  return kept;
}

let includeCache: string[] | undefined;

function relativeProtoName(filename: string): string {
  includeCache ??= includeDirs();
  for (const dir of includeCache) if (filename.startsWith(`${dir}/`)) return filename.slice(dir.length + 1);
  return filename;
}

/** Field options that change the encoding; every other option (validation, annotations) is dropped. */
const FIELD_OPTIONS = ['packed', 'proto3_optional'] as const;

function fieldJson(field: protobuf.Field): JsonNode {
  const out: JsonNode = {};
  const edition = field._editionToJSON();
  if (edition) out['edition'] = edition;
  if (field.repeated) out['rule'] = 'repeated';
  else if (field.required) out['rule'] = 'required';
  if (field instanceof protobuf.MapField) out['keyType'] = field.keyType;
  // Absolute names: the descriptor leaves out types, so relative lookups must not have to search.
  out['type'] = field.resolvedType ? field.resolvedType.fullName : field.type;
  out['id'] = field.id;
  const options: JsonNode = {};
  for (const name of FIELD_OPTIONS)
    if (field.options?.[name] !== undefined) options[name] = field.options[name];
  if (Object.keys(options).length > 0) out['options'] = options;
  return out;
}

function objectJson(obj: Kept): JsonNode {
  const out: JsonNode = {};
  const edition = obj._editionToJSON();
  if (edition) out['edition'] = edition;
  if (obj instanceof protobuf.Enum) {
    if (obj.options?.['allow_alias']) out['options'] = { allow_alias: true };
    out['values'] = { ...obj.values };
  } else if (obj instanceof protobuf.Type) {
    const oneofs: JsonNode = {};
    for (const o of obj.oneofsArray) oneofs[o.name] = { oneof: [...o.oneof] };
    if (obj.oneofsArray.length > 0) out['oneofs'] = oneofs;
    const fields: JsonNode = {};
    for (const f of obj.fieldsArray) fields[f.name] = fieldJson(f);
    out['fields'] = fields;
  } else {
    const methods: JsonNode = {};
    for (const m of obj.methodsArray) {
      methods[m.name] = {
        requestType: m.resolvedRequestType!.fullName,
        ...(m.requestStream ? { requestStream: true } : {}),
        responseType: m.resolvedResponseType!.fullName,
        ...(m.responseStream ? { responseStream: true } : {}),
      };
    }
    out['methods'] = methods;
  }
  return out;
}

/** The namespace tree holding the kept objects; a message that only encloses kept ones is a namespace. */
function tree(kept: Set<Kept>): JsonNode {
  const top: JsonNode = {};
  const sorted = [...kept].sort((a, b) => (a.fullName < b.fullName ? -1 : a.fullName > b.fullName ? 1 : 0));
  for (const obj of sorted) {
    const path = obj.fullName.slice(1).split('.');
    let nested = top;
    for (const part of path.slice(0, -1)) {
      nested[part] ??= {};
      const holder = nested[part] as JsonNode;
      holder['nested'] ??= {};
      nested = holder['nested'] as JsonNode;
    }
    const name = path[path.length - 1]!;
    nested[name] = { ...objectJson(obj), ...(nested[name] as JsonNode | undefined) };
  }
  return top;
}

export interface EnvoyDescriptor {
  generated: string;
  /** The package (and version) the .proto files came from. */
  source: string;
  files: readonly string[];
  nested: JsonNode;
}

/** The descriptor of the kept types of a root loaded by loadProtoSources(). */
export function buildDescriptor(root: protobuf.Root): EnvoyDescriptor {
  return {
    generated:
      "by scripts/gen-xds-descriptor.ts from Envoy's v3 API protos shipped in @grpc/grpc-js-xds " +
      '(deps/); do not edit, rerun `node scripts/gen-xds-descriptor.ts`',
    source: `@grpc/grpc-js-xds@${xdsPackageVersion()}`,
    files: ENVOY_PROTO_FILES,
    nested: tree(reachable(root)),
  };
}

/** The file's text: one line per message, enum or service keeps a regeneration's diff readable. */
export function descriptorText(descriptor: EnvoyDescriptor): string {
  return `${formatNode(descriptor as unknown as JsonNode, '')}\n`;
}

function formatNode(node: JsonNode, indent: string): string {
  if (!('nested' in node)) return JSON.stringify(node);
  const inner = `${indent}  `;
  const lines = Object.entries(node).map(([key, value]) => {
    const text = key === 'nested' ? formatNested(value as JsonNode, inner) : JSON.stringify(value);
    return `${inner}${JSON.stringify(key)}: ${text}`;
  });
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

function formatNested(nested: JsonNode, indent: string): string {
  const inner = `${indent}  `;
  const lines = Object.entries(nested).map(
    ([name, child]) => `${inner}${JSON.stringify(name)}: ${formatNode(child as JsonNode, inner)}`,
  );
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

/**
 * Checks that `compact` encodes every kept message as `full` does: the same fields with the same
 * numbers, types, labels, packing, presence and oneofs, and the same enum values. Returns the
 * differences found.
 */
export function compareRoots(full: protobuf.Root, compact: protobuf.Root): string[] {
  const problems: string[] = [];
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const obj of ns.nestedArray) {
      const original = full.lookup(obj.fullName);
      if (obj instanceof protobuf.Type) {
        if (!(original instanceof protobuf.Type))
          problems.push(`${obj.fullName}: not a message in the protos`);
        else {
          const a = JSON.stringify(original.fieldsArray.map(fieldShape));
          const b = JSON.stringify(obj.fieldsArray.map(fieldShape));
          if (a !== b) problems.push(`${obj.fullName}: fields differ`);
        }
      } else if (obj instanceof protobuf.Enum) {
        if (
          !(original instanceof protobuf.Enum) ||
          JSON.stringify(original.values) !== JSON.stringify(obj.values)
        )
          problems.push(`${obj.fullName}: enum values differ`);
      }
      if (obj instanceof protobuf.Namespace) walk(obj);
    }
  };
  walk(compact);
  return problems;
}

function fieldShape(f: protobuf.Field): unknown[] {
  return [
    f.name,
    f.id,
    f.resolvedType?.fullName ?? f.type,
    f.repeated,
    f.repeated && f.packed,
    Boolean(f.hasPresence),
    f.partOf?.name ?? null,
    f instanceof protobuf.MapField ? f.keyType : null,
  ];
}

if (import.meta.main) {
  const root = loadProtoSources();
  const descriptor = buildDescriptor(root);
  const problems = compareRoots(root, protobuf.Root.fromJSON(descriptor as unknown as protobuf.INamespace));
  if (problems.length > 0) {
    process.stderr.write(`the descriptor does not encode as the protos do:\n  ${problems.join('\n  ')}\n`);
    process.exit(1);
  }
  const text = descriptorText(descriptor);
  if (process.argv.includes('--check')) {
    const current = existsSync(OUTPUT_FILE) ? readFileSync(OUTPUT_FILE, 'utf8') : '';
    if (current !== text) {
      process.stderr.write(`${OUTPUT_FILE} is stale; run node scripts/gen-xds-descriptor.ts\n`);
      process.exit(1);
    }
  } else {
    writeFileSync(OUTPUT_FILE, text);
    process.stdout.write(`wrote ${OUTPUT_FILE} (${(text.length / 1024).toFixed(0)} KiB)\n`);
  }
}

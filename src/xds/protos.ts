// Loads Envoy's v3 API protos once per process. The .proto files ship inside the installed
// @grpc/grpc-js-xds package (deps/), so the include paths are resolved from node_modules at run
// time; nothing outside the project is read. Field names are kept as written in the protos
// (snake_case), which is the form of Envoy's canonical JSON that the control plane builds and the
// proxy's decoders read.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';

/**
 * The proto files loaded. Every message a resource or a typed_config Any may carry must be reachable
 * from one of these; adding an Envoy extension is one line here.
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

/** Include directories inside the installed package, in protoc's -I order. */
export function envoyProtoIncludeDirs(): string[] {
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  const deps = join(pkgDir, 'deps');
  return [
    join(deps, 'envoy-api'),
    join(deps, 'xds'),
    join(deps, 'googleapis'),
    join(deps, 'protoc-gen-validate'),
    // google/protobuf/descriptor.proto (imported by option annotations) ships with protobufjs.
    dirname(require.resolve('protobufjs/package.json')),
  ];
}

export interface ProtoLoadStats {
  /** Wall time of the one load, in milliseconds. */
  loadMs: number;
  files: number;
}

let cached: { root: protobuf.Root; stats: ProtoLoadStats } | undefined;

/** The shared, resolved protobuf root. The first call parses the protos (~hundreds of ms). */
export function envoyProtoRoot(): protobuf.Root {
  return load().root;
}

/** How long the load took, for startup diagnostics. */
export function protoLoadStats(): ProtoLoadStats {
  return load().stats;
}

function load(): { root: protobuf.Root; stats: ProtoLoadStats } {
  if (cached) return cached;
  const started = performance.now();
  const includes = envoyProtoIncludeDirs();
  const root = new protobuf.Root();
  const seen = new Set<string>();
  root.resolvePath = (_origin: string, target: string): string => {
    for (const dir of includes) {
      const candidate = join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    // protobufjs bundles google/protobuf/*.proto; let it fall back to those by name.
    return target;
  };
  for (const file of ENVOY_PROTO_FILES) {
    if (seen.has(file)) continue;
    seen.add(file);
    root.loadSync(file, { keepCase: true });
  }
  root.resolveAll();
  cached = { root, stats: { loadMs: performance.now() - started, files: root.files.length } };
  return cached;
}

/** The message type with this full name (no leading dot), or undefined when not loaded. */
export function lookupMessageType(fullName: string): protobuf.Type | undefined {
  const found = envoyProtoRoot().lookup(fullName);
  return found instanceof protobuf.Type ? found : undefined;
}

const fieldNameCache = new Map<string, string>();

/**
 * The name protobufjs gives a field of a well-known type. The google/protobuf files bundled with
 * protobufjs name fields in camelCase (`stringValue`) while Envoy's files keep snake_case, so code
 * that builds or reads Struct/Value/Any messages asks here instead of assuming either.
 */
export function wktFieldName(typeName: string, snakeName: string): string {
  const key = `${typeName}.${snakeName}`;
  const cachedName = fieldNameCache.get(key);
  if (cachedName !== undefined) return cachedName;
  const type = lookupMessageType(typeName);
  const camel = snakeName.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  const name = type && !type.fields[snakeName] && type.fields[camel] ? camel : snakeName;
  fieldNameCache.set(key, name);
  return name;
}

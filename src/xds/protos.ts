// Loads Envoy's v3 API types once per process, from the descriptor generated from Envoy's .proto
// files shipped in @grpc/grpc-js-xds (generated/envoy-descriptor.json; see
// scripts/gen-xds-descriptor.ts for which types it keeps and how to regenerate it). Building the
// root from that JSON takes a fraction of the time and memory of parsing the .proto files. Field
// names are kept as written in the protos (snake_case), which is the form of Envoy's canonical JSON
// that the control plane builds and the proxy's decoders read. Nothing is loaded until a codec is
// first used, so a process that never speaks xDS never pays for it.

import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

/** The generated descriptor, next to this file. */
export const ENVOY_DESCRIPTOR_URL = new URL('./generated/envoy-descriptor.json', import.meta.url);

export interface ProtoLoadStats {
  /** Wall time of the one load, in milliseconds. */
  loadMs: number;
  /** Message types in the root. */
  types: number;
}

let cached: { root: protobuf.Root; stats: ProtoLoadStats } | undefined;

/** The shared, resolved protobuf root. The first call builds it (tens of ms). */
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
  const descriptor = JSON.parse(readFileSync(ENVOY_DESCRIPTOR_URL, 'utf8')) as protobuf.INamespace;
  const root = protobuf.Root.fromJSON(descriptor);
  cached = { root, stats: { loadMs: performance.now() - started, types: countTypes(root) } };
  return cached;
}

function countTypes(ns: protobuf.NamespaceBase): number {
  let n = 0;
  for (const child of ns.nestedArray) {
    if (child instanceof protobuf.Type) n++;
    if (child instanceof protobuf.Namespace) n += countTypes(child);
  }
  return n;
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

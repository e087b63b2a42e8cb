// The ADS envelope: DiscoveryRequest / DiscoveryResponse codecs and the gRPC service definition of
// envoy.service.discovery.v3.AggregatedDiscoveryService, built from the same protobuf root as the
// resources so the process parses the protos once (proto-loader would load a second copy).
import type { ServiceDefinition } from '@grpc/grpc-js';
import { jsonToBinary } from './from-json.ts';
import { type AnyMessage, isJsonObject, type JsonObject } from './json-types.ts';
import { lookupMessageType, wktFieldName } from './protos.ts';
import { binaryToJson } from './to-json.ts';

export interface DiscoveryRequest {
  /** The version the proxy last accepted for this type ('' before any). */
  version_info?: string;
  /** envoy.config.core.v3.Node in canonical JSON (id, cluster, metadata, …). */
  node?: JsonObject;
  resource_names?: string[];
  type_url: string;
  /** The nonce of the response this request answers; absent on a type's first request. */
  response_nonce?: string;
  /** Set on a NACK: google.rpc.Status, code 3 (INVALID_ARGUMENT) and the reason. */
  error_detail?: { code: number; message: string };
}

export interface DiscoveryResponse {
  version_info: string;
  resources: AnyMessage[];
  type_url: string;
  nonce: string;
}

const REQUEST_TYPE = 'envoy.service.discovery.v3.DiscoveryRequest';
const RESPONSE_TYPE = 'envoy.service.discovery.v3.DiscoveryResponse';

export const ADS_SERVICE_NAME = 'envoy.service.discovery.v3.AggregatedDiscoveryService';
export const ADS_STREAM_METHOD_PATH = `/${ADS_SERVICE_NAME}/StreamAggregatedResources`;

/** Encodes a request; throws only on a request this process built wrongly (e.g. bad node JSON). */
export function encodeDiscoveryRequest(request: DiscoveryRequest): Buffer {
  const encoded = jsonToBinary(REQUEST_TYPE, request);
  if (!encoded.ok) {
    const first = encoded.errors[0]!;
    throw new Error(`invalid DiscoveryRequest: ${first.path}: ${first.message}`);
  }
  return Buffer.from(encoded.value);
}

/** Decodes a request off the wire; throws on bytes that are not a DiscoveryRequest. */
export function decodeDiscoveryRequest(bytes: Buffer): DiscoveryRequest {
  const json = binaryToJson(REQUEST_TYPE, bytes);
  if (!json.ok) {
    const first = json.errors[0]!;
    throw new Error(`malformed DiscoveryRequest: ${first.path}: ${first.message}`);
  }
  const v = json.value;
  const detail = v['error_detail'];
  const request: DiscoveryRequest = {
    version_info: typeof v['version_info'] === 'string' ? v['version_info'] : '',
    resource_names: Array.isArray(v['resource_names']) ? (v['resource_names'] as string[]) : [],
    type_url: typeof v['type_url'] === 'string' ? v['type_url'] : '',
    response_nonce: typeof v['response_nonce'] === 'string' ? v['response_nonce'] : '',
  };
  if (isJsonObject(v['node'])) request.node = v['node'];
  if (isJsonObject(detail)) {
    request.error_detail = {
      code: typeof detail['code'] === 'number' ? detail['code'] : 0,
      message: typeof detail['message'] === 'string' ? detail['message'] : '',
    };
  }
  return request;
}

export function encodeDiscoveryResponse(response: DiscoveryResponse): Buffer {
  const type = lookupMessageType(RESPONSE_TYPE)!;
  const typeUrlField = wktFieldName('google.protobuf.Any', 'type_url');
  const valueField = wktFieldName('google.protobuf.Any', 'value');
  const plain = {
    version_info: response.version_info,
    resources: response.resources.map((r) => ({ [typeUrlField]: r.type_url, [valueField]: r.value })),
    type_url: response.type_url,
    nonce: response.nonce,
  };
  return Buffer.from(type.encode(plain).finish());
}

/** Decodes a response, leaving each resource as an Any so that each can be judged on its own. */
export function decodeDiscoveryResponse(bytes: Buffer): DiscoveryResponse {
  const type = lookupMessageType(RESPONSE_TYPE)!;
  const msg = type.decode(bytes) as unknown as Record<string, unknown>;
  const typeUrlField = wktFieldName('google.protobuf.Any', 'type_url');
  const valueField = wktFieldName('google.protobuf.Any', 'value');
  const resources = ((msg['resources'] as Record<string, unknown>[] | undefined) ?? []).map((r) => ({
    type_url: String(r[typeUrlField] ?? ''),
    value: (r[valueField] as Uint8Array | undefined) ?? new Uint8Array(),
  }));
  return {
    version_info: String(msg['version_info'] ?? ''),
    resources,
    type_url: String(msg['type_url'] ?? ''),
    nonce: String(msg['nonce'] ?? ''),
  };
}

/** The gRPC definition of AggregatedDiscoveryService (state of the world; delta is not served). */
export const ADS_SERVICE: ServiceDefinition = {
  StreamAggregatedResources: {
    path: ADS_STREAM_METHOD_PATH,
    requestStream: true,
    responseStream: true,
    requestSerialize: encodeDiscoveryRequest,
    requestDeserialize: decodeDiscoveryRequest,
    responseSerialize: encodeDiscoveryResponse,
    responseDeserialize: decodeDiscoveryResponse,
    originalName: 'streamAggregatedResources',
  },
};

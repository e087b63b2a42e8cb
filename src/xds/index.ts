// xDS v3 shared by the control plane and the proxy: the Envoy protos (loaded once, on first use),
// type URLs, canonical JSON <-> protobuf conversion (Any's included) and the ADS envelope and service.
export type { DiscoveryRequest, DiscoveryResponse } from './discovery.ts';
export {
  ADS_SERVICE,
  ADS_SERVICE_NAME,
  ADS_STREAM_METHOD_PATH,
  decodeDiscoveryRequest,
  decodeDiscoveryResponse,
  encodeDiscoveryRequest,
  encodeDiscoveryResponse,
} from './discovery.ts';
export { jsonToAny, jsonToBinary } from './from-json.ts';
export type { AnyMessage, Conversion, ConversionError, Json, JsonObject } from './json-types.ts';
export { isJsonObject } from './json-types.ts';
export { envoyProtoRoot, protoLoadStats } from './protos.ts';
export { anyToJson, binaryToJson } from './to-json.ts';
export * from './type-urls.ts';
export { formatDuration, parseDuration } from './wkt-format.ts';

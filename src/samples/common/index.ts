// Helpers every sample app shares: environment contract, mesh client, header propagation, serving.
export {
  durationMs,
  type Env,
  listenHost,
  listenPort,
  parsePort,
  podName,
  portMap,
  serviceEnvPrefix,
  serviceVersion,
} from './env.ts';
export {
  jsonBody,
  type MeshRequestOptions,
  type MeshResponse,
  meshRequest,
  resolveTarget,
  type Target,
} from './mesh-client.ts';
export { APP_HEADERS, forwardHeaders, pickHeaders, TRACE_HEADERS } from './propagate.ts';
export {
  type Handler,
  listenHttp,
  readBody,
  readyLine,
  requestPath,
  send,
  sendJson,
  serveHttp,
} from './serve.ts';

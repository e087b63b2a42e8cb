// Istio configuration → Envoy xDS resources, as pure functions: build a MeshIndex once per config
// change, then generate each proxy's clusters, endpoints, listeners and routes from it.
export type { Json } from './clusters.ts';
export { durationMs, envoyDuration } from './duration.ts';
export { type GeneratedConfig, type GenerationMemo, generateProxyConfig } from './generate.ts';
export { buildMeshIndex, type MeshIndex, resolveHost } from './mesh.ts';
export {
  BLACKHOLE_CLUSTER,
  type CaptureMode,
  clusterName,
  type InboundBinding,
  type NodeIdentity,
  type OutboundBinding,
  PASSTHROUGH_CLUSTER,
  type ProxyInfo,
  proxyInfoFromNode,
} from './proxy.ts';

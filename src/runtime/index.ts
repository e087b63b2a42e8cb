// Local mode: Kubernetes manifests → pods as processes with their sidecars, pilot in the
// supervisor, the ingress gateway; state in <state-dir>/state.json for the CLI verbs.
export { buildBootstrap, nodeId } from './bootstrap.ts';
export { notReady, spawnDetached, stopMesh, waitReady } from './control.ts';
export { DEFAULT_GATEWAY_PORTS, GATEWAY_NAME, type GatewayPorts } from './gateway.ts';
export { checkGatewayPorts, checkManifests, type Manifest } from './manifests.ts';
export { COMMAND_ANNOTATION, type PodPlan, planPods, splitCommandLine } from './plan.ts';
export { SAMPLE_MAIN, WEFT_BIN } from './pod.ts';
export { freePort } from './ports.ts';
export {
  type ContainerName,
  DEFAULT_STATE_DIR,
  findContainer,
  findPod,
  isAlive,
  localPilotUrl,
  logFile,
  type PodState,
  type RuntimeState,
  readState,
  runningState,
  statePaths,
  statePids,
} from './state.ts';
export { Supervisor, type SupervisorOptions } from './supervisor.ts';

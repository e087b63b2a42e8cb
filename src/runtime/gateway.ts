// The ingress gateway: the same proxy, as a router node labelled like Istio's
// istio-ingressgateway, serving Gateway ports on 127.0.0.1. Istio's ingress Service maps 80→8080
// and 443→8443 and the pod listens on the target port; locally the target ports are the
// user-chosen --http-port / --https-port / --tcp-port.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBootstrap } from './bootstrap.ts';
import { childEnv, proxyArgv } from './pod.ts';
import { ManagedProcess } from './process.ts';
import { type GatewayState, logFile, statePaths } from './state.ts';

export const GATEWAY_NAME = 'istio-ingressgateway';
export const GATEWAY_NAMESPACE = 'istio-system';
export const GATEWAY_LABELS = { istio: 'ingressgateway', app: 'istio-ingressgateway' };

export interface GatewayPorts {
  http: number;
  https: number;
  tcp: number;
}

export const DEFAULT_GATEWAY_PORTS: GatewayPorts = { http: 8080, https: 8443, tcp: 31400 };

export function gatewayPortMap(
  ports: GatewayPorts,
): Record<number, { name: number; bind: string; port: number }> {
  const at = (name: number, port: number) => ({ name, bind: '127.0.0.1', port });
  return {
    80: at(8080, ports.http),
    8080: at(8080, ports.http),
    443: at(8443, ports.https),
    8443: at(8443, ports.https),
    31400: at(31400, ports.tcp),
  };
}

export function createGateway(
  stateDir: string,
  xds: { host: string; port: number },
  ports: GatewayPorts,
  adminPort: number,
  onChange: () => void,
  onEvent: (line: string) => void,
): { state: GatewayState; process: ManagedProcess } {
  const paths = statePaths(stateDir);
  mkdirSync(paths.bootstrap, { recursive: true });
  const file = join(paths.bootstrap, `${GATEWAY_NAME}.json`);
  const bootstrap = buildBootstrap({
    type: 'router',
    pod: GATEWAY_NAME,
    namespace: GATEWAY_NAMESPACE,
    labels: GATEWAY_LABELS,
    serviceAccount: 'istio-ingressgateway-service-account',
    workloadName: GATEWAY_NAME,
    adminPort,
    xds,
    gatewayPorts: gatewayPortMap(ports),
  });
  writeFileSync(file, JSON.stringify(bootstrap, null, 2) + '\n');
  const proc = new ManagedProcess(
    {
      label: `${GATEWAY_NAME}/proxy`,
      argv: proxyArgv(file),
      env: childEnv(),
      log: logFile(stateDir, GATEWAY_NAME, 'proxy'),
    },
    onChange,
    onEvent,
  );
  const state: GatewayState = {
    name: GATEWAY_NAME,
    namespace: GATEWAY_NAMESPACE,
    ports,
    admin: adminPort,
    proxy: proc.state,
    sync: 'NOT CONNECTED',
    ready: false,
  };
  return { state, process: proc };
}

// A sidecar's listeners. Explicit mode (Sidecar captureMode NONE, Weft's local mode): an HTTP proxy
// listener apps reach through HTTP_PROXY, one bound listener per TCP service the runtime wired
// (<SERVICE>_SERVICE_HOST/PORT), and one inbound listener per container port in front of the app.
// Capture mode (iptables): Istio's virtualOutbound 15001 / virtualInbound 15006 and per-port
// outbound listeners that the virtual listener hands connections to by original destination.
import type { TCPRoute } from '../../api/types/index.ts';
import type { MeshService } from '../../registry/index.ts';
import { isHttpProtocol } from '../../registry/index.ts';
import type { Json } from './clusters.ts';
import { httpConnectionManager, listenerJson, tcpProxy, tcpRouteTarget } from './filters.ts';
import type { MeshIndex } from './mesh.ts';
import {
  BLACKHOLE_CLUSTER,
  clusterName,
  type InboundBinding,
  type OutboundTrafficMode,
  PASSTHROUGH_CLUSTER,
  type ProxyInfo,
} from './proxy.ts';
import { virtualServiceFor } from './route-config.ts';

function tcpTargetFor(index: MeshIndex, proxy: ProxyInfo, service: MeshService, port: number) {
  const vs = virtualServiceFor(index, service.hostname, 'mesh', proxy.namespace);
  const target = tcpRouteTarget(vs?.spec.tcp as TCPRoute[] | undefined, {
    namespace: vs?.namespace ?? service.namespace,
    port,
    gateway: 'mesh',
    proxyLabels: proxy.labels,
    proxyNamespace: proxy.namespace,
    portsOf: (host) => index.registry.services.get(host)?.ports.map((p) => p.port) ?? [],
  });
  return target ?? { cluster: clusterName('outbound', port, '', service.hostname) };
}

/** The protocol of the service port that a workload's container port serves, if any. */
function inboundProtocolHttp(index: MeshIndex, proxy: ProxyInfo, b: InboundBinding): boolean {
  for (const svc of index.services) {
    if (svc.namespace !== proxy.namespace || !svc.selector) continue;
    if (!Object.entries(svc.selector).every(([k, v]) => proxy.labels[k] === v)) continue;
    for (const p of svc.ports) {
      const target = typeof p.targetPort === 'number' ? p.targetPort : Number(p.targetPort);
      if ((target === b.targetPort || p.port === b.targetPort) && isHttpProtocol(p.protocol)) return true;
    }
  }
  return false;
}

function inboundFilter(index: MeshIndex, proxy: ProxyInfo, b: InboundBinding): Json {
  const cluster = clusterName('inbound', b.targetPort, '', '');
  const statPrefix = `inbound_0.0.0.0_${b.targetPort}`;
  if (!inboundProtocolHttp(index, proxy, b)) return tcpProxy(cluster, { cluster });
  return httpConnectionManager({
    statPrefix,
    useRemoteAddress: false,
    routeConfig: {
      name: cluster,
      virtual_hosts: [
        {
          name: `inbound|http|${b.targetPort}`,
          domains: ['*'],
          routes: [
            {
              name: 'default',
              match: { prefix: '/' },
              route: { cluster, timeout: '0s' },
              decorator: {
                operation: `${proxy.workloadName}.${proxy.namespace}.svc.cluster.local:${b.targetPort}/*`,
              },
            },
          ],
        },
      ],
      validate_clusters: false,
    },
  });
}

export function explicitSidecarListeners(
  index: MeshIndex,
  proxy: ProxyInfo,
  httpRoutesNeeded: Set<string>,
): Json[] {
  const out: Json[] = [];
  if (proxy.httpProxy) {
    const { bind, port } = proxy.httpProxy;
    httpRoutesNeeded.add('http_proxy');
    out.push(
      listenerJson(`${bind}_${port}`, bind, port, [
        {
          filters: [
            httpConnectionManager({
              statPrefix: `outbound_${bind}_${port}`,
              rds: 'http_proxy',
              useRemoteAddress: false,
              connect: true,
            }),
          ],
        },
      ]),
    );
  }
  for (const b of proxy.outboundBindings) {
    const service = index.registry.services.get(b.hostname);
    if (!service) continue;
    const sp = service.ports.find((p) => p.port === b.servicePort);
    const name = `${b.bind}_${b.port}`;
    let filter: Json;
    if (sp && isHttpProtocol(sp.protocol)) {
      httpRoutesNeeded.add(String(b.servicePort));
      filter = httpConnectionManager({
        statPrefix: `outbound_${name}`,
        rds: String(b.servicePort),
        useRemoteAddress: false,
      });
    } else {
      const target = tcpTargetFor(index, proxy, service, b.servicePort);
      filter = tcpProxy(
        'cluster' in target ? target.cluster : `outbound|${b.servicePort}||${b.hostname}`,
        target,
      );
    }
    out.push(listenerJson(name, b.bind, b.port, [{ filters: [filter] }]));
  }
  for (const b of proxy.inboundBindings) {
    out.push(
      listenerJson(`inbound_${b.listenAddress}_${b.listenPort}`, b.listenAddress, b.listenPort, [
        { filters: [inboundFilter(index, proxy, b)] },
      ]),
    );
  }
  return out;
}

export function captureSidecarListeners(
  index: MeshIndex,
  proxy: ProxyInfo,
  visible: MeshService[],
  httpRoutesNeeded: Set<string>,
  mode: OutboundTrafficMode,
): Json[] {
  const out: Json[] = [];
  // What no per-port listener takes: Istio's default chain goes to PassthroughCluster (ALLOW_ANY,
  // the original destination) or BlackHoleCluster (REGISTRY_ONLY), both as tcp_proxy.
  const fallback = mode === 'ALLOW_ANY' ? PASSTHROUGH_CLUSTER : BLACKHOLE_CLUSTER;
  out.push(
    listenerJson('virtualOutbound', '0.0.0.0', 15001, [], {
      use_original_dst: true,
      default_filter_chain: {
        name: mode === 'ALLOW_ANY' ? 'PassthroughFilterChain' : 'virtualOutbound-blackhole',
        filters: [tcpProxy(fallback, { cluster: fallback })],
      },
    }),
  );
  const httpPorts = new Set<number>();
  for (const service of visible) {
    for (const sp of service.ports) {
      if (isHttpProtocol(sp.protocol)) {
        httpPorts.add(sp.port);
        continue;
      }
      for (const vip of service.addresses) {
        const target = tcpTargetFor(index, proxy, service, sp.port);
        out.push(
          listenerJson(
            `${vip}_${sp.port}`,
            vip,
            sp.port,
            [{ filters: [tcpProxy(clusterName('outbound', sp.port, '', service.hostname), target)] }],
            {
              bind_to_port: false,
            },
          ),
        );
      }
    }
  }
  for (const port of [...httpPorts].sort((a, b) => a - b)) {
    httpRoutesNeeded.add(String(port));
    out.push(
      listenerJson(
        `0.0.0.0_${port}`,
        '0.0.0.0',
        port,
        [
          {
            filters: [
              httpConnectionManager({
                statPrefix: `outbound_0.0.0.0_${port}`,
                rds: String(port),
                useRemoteAddress: false,
              }),
            ],
          },
        ],
        {
          bind_to_port: false,
        },
      ),
    );
  }
  out.push(
    listenerJson(
      'virtualInbound',
      '0.0.0.0',
      15006,
      proxy.inboundBindings.map((b) => ({
        name: `0.0.0.0_${b.targetPort}`,
        filter_chain_match: { destination_port: b.targetPort },
        filters: [inboundFilter(index, proxy, b)],
      })),
      {
        use_original_dst: true,
        listener_filters: [{ name: 'envoy.filters.listener.original_dst' }],
        // Traffic to a port no container serves has nowhere to go; Envoy also needs at least one
        // chain, so a workload with no ports still gets a valid listener.
        default_filter_chain: {
          name: 'virtualInbound-blackhole',
          filters: [tcpProxy(BLACKHOLE_CLUSTER, { cluster: BLACKHOLE_CLUSTER })],
        },
      },
    ),
  );
  return out;
}

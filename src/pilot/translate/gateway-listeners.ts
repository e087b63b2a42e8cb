// A gateway's listeners: the servers of every Gateway whose selector matches the proxy's labels,
// grouped by port. HTTP servers share one HTTP connection manager and route table per port
// (Istio's `http.<port>`); TCP servers take the first tcp route of a VirtualService bound to the
// gateway; TLS passthrough servers pick a chain by SNI.
import type { Server, TCPRoute, TLSRoute } from '../../api/types/index.ts';
import type { Json } from './clusters.ts';
import {
  destCluster,
  httpConnectionManager,
  l4Target,
  listenerJson,
  type TcpRouteContext,
  tcpProxy,
  tcpRouteTarget,
} from './filters.ts';
import { exportedTo, hostMatches, type MeshIndex } from './mesh.ts';
import type { ProxyInfo } from './proxy.ts';
import { gatewayRouteConfig } from './route-config.ts';

interface BoundServer {
  gateway: string;
  namespace: string;
  server: Server;
}

export function selectedServers(index: MeshIndex, proxy: ProxyInfo): BoundServer[] {
  const out: BoundServer[] = [];
  for (const gw of index.gateways) {
    const selector = gw.spec.selector ?? {};
    if (!Object.entries(selector).every(([k, v]) => proxy.labels[k] === v)) continue;
    for (const server of gw.spec.servers ?? [])
      out.push({ gateway: `${gw.namespace}/${gw.name}`, namespace: gw.namespace, server });
  }
  return out;
}

function isHttp(protocol: string | undefined): boolean {
  const p = (protocol ?? '').toUpperCase();
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-WEB';
}

export function gatewayListeners(index: MeshIndex, proxy: ProxyInfo): { listeners: Json[]; routes: Json[] } {
  const byPort = new Map<number, BoundServer[]>();
  for (const s of selectedServers(index, proxy)) {
    const port = s.server.port?.number;
    if (port === undefined) continue;
    const list = byPort.get(port) ?? [];
    list.push(s);
    byPort.set(port, list);
  }
  const listeners: Json[] = [];
  const routes: Json[] = [];
  for (const [port, servers] of [...byPort].sort((a, b) => a[0] - b[0])) {
    const binding = proxy.gatewayPorts[port] ?? { name: port, bind: '0.0.0.0', port };
    const listenerName = `0.0.0.0_${binding.name}`;
    const chains: Json[] = [];
    const http = servers.filter((s) => isHttp(s.server.port?.protocol));
    if (http.length > 0) {
      const routeName = `http.${port}`;
      routes.push(
        gatewayRouteConfig(
          index,
          proxy,
          routeName,
          port,
          http.map((s) => ({ gateway: s.gateway, hosts: withGatewayNs(s) })),
        ),
      );
      chains.push({
        filters: [
          httpConnectionManager({
            statPrefix: `outbound_0.0.0.0_${binding.name}`,
            rds: routeName,
            useRemoteAddress: true,
          }),
        ],
      });
    }
    for (const s of servers.filter((x) => (x.server.port?.protocol ?? '').toUpperCase() === 'TCP')) {
      const target = tcpTargetForGateway(index, proxy, s, port);
      if (target) chains.push({ filters: [tcpProxy(statPrefixOf(target), target)] });
    }
    for (const s of servers.filter((x) => x.server.tls?.mode === 'PASSTHROUGH')) {
      chains.push(...passthroughChains(index, proxy, s, port));
    }
    if (chains.length === 0) continue;
    const hasSni = chains.some((c) => c['filter_chain_match'] !== undefined);
    listeners.push(
      listenerJson(
        listenerName,
        binding.bind,
        binding.port,
        chains,
        hasSni ? { listener_filters: [{ name: 'envoy.filters.listener.tls_inspector' }] } : {},
      ),
    );
  }
  return { listeners, routes };
}

/** Server hosts with '.' (the gateway's own namespace) made explicit. */
function withGatewayNs(s: BoundServer): string[] {
  return (s.server.hosts ?? []).map((h) => (h.startsWith('./') ? `${s.namespace}/${h.slice(2)}` : h));
}

function statPrefixOf(target: { cluster: string } | { weighted: { name: string }[] }): string {
  return 'cluster' in target ? target.cluster : target.weighted[0]!.name;
}

/** What a TCP or TLS route of `namespace` bound to this gateway server resolves against. */
function routeContext(
  index: MeshIndex,
  proxy: ProxyInfo,
  s: BoundServer,
  namespace: string,
  port: number,
): TcpRouteContext {
  return {
    namespace,
    port,
    gateway: s.gateway,
    proxyLabels: proxy.labels,
    proxyNamespace: proxy.namespace,
    portsOf: (host) => index.registry.services.get(host)?.ports.map((p) => p.port) ?? [],
  };
}

function tcpTargetForGateway(index: MeshIndex, proxy: ProxyInfo, s: BoundServer, port: number) {
  for (const vs of index.virtualServices) {
    if (!vs.gateways.includes(s.gateway)) continue;
    if (!exportedTo(vs.exportTo, vs.namespace, proxy.namespace)) continue;
    const target = tcpRouteTarget(
      vs.spec.tcp as TCPRoute[] | undefined,
      routeContext(index, proxy, s, vs.namespace, port),
    );
    if (target) return target;
  }
  return undefined;
}

function passthroughChains(index: MeshIndex, proxy: ProxyInfo, s: BoundServer, port: number): Json[] {
  const chains: Json[] = [];
  for (const vs of index.virtualServices) {
    if (!vs.gateways.includes(s.gateway)) continue;
    if (!exportedTo(vs.exportTo, vs.namespace, proxy.namespace)) continue;
    for (const tls of (vs.spec.tls ?? []) as TLSRoute[]) {
      for (const m of tls.match ?? []) {
        if (m.port !== undefined && m.port !== port) continue;
        const sni = (m.sniHosts ?? []).filter((h) =>
          (s.server.hosts ?? ['*']).some((sh) => hostMatches(sh.split('/').pop()!, h)),
        );
        if (sni.length === 0) continue;
        const ctx = routeContext(index, proxy, s, vs.namespace, port);
        const target = l4Target(tls.route ?? [], (d) => destCluster(d, ctx));
        if (!target) continue;
        chains.push({
          filter_chain_match: { server_names: sni },
          filters: [tcpProxy(statPrefixOf(target), target)],
        });
      }
    }
  }
  return chains;
}

// RouteConfigurations: for sidecars one virtual host per service port (Istio's `reviews.default.svc
// .cluster.local:9080`), routes from the VirtualService bound to 'mesh' for that host or a default
// route; for gateways the virtual hosts of VirtualServices bound to the gateway.
import type { HTTPRoute } from '../../api/types/index.ts';
import type { MeshService } from '../../registry/index.ts';
import { isHttpProtocol } from '../../registry/index.ts';
import { istioConfigPath, type Json } from './clusters.ts';
import { destinationHash, hashPolicyJson, serviceHash } from './hash-policy.ts';
import { ISTIO_DEFAULT_RETRY, type RouteContext, retryPolicy, translateHttpRoute } from './http-route.ts';
import {
  destinationRuleFor,
  exportedTo,
  hostMatches,
  type IndexedVirtualService,
  type MeshIndex,
  resolveHost,
} from './mesh.ts';
import { clusterName, type OutboundTrafficMode, PASSTHROUGH_CLUSTER, type ProxyInfo } from './proxy.ts';

const ROUTE_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';

/**
 * The VirtualService that governs `host` for the given gateway ('mesh' for sidecars), among those
 * exported to the proxy's namespace (Istio's exportTo).
 */
export function virtualServiceFor(
  index: MeshIndex,
  host: string,
  gateway: string,
  proxyNamespace: string,
): IndexedVirtualService | undefined {
  let best: IndexedVirtualService | undefined;
  let bestScore = -1;
  for (const vs of index.virtualServices) {
    if (!vs.gateways.includes(gateway)) continue;
    if (!exportedTo(vs.exportTo, vs.namespace, proxyNamespace)) continue;
    for (const h of vs.hosts) {
      if (!hostMatches(h, host)) continue;
      // An exact host beats any wildcard; a longer wildcard beats a shorter one; oldest wins ties.
      const score = h === host ? 1_000_000 : h.length;
      if (score > bestScore) {
        best = vs;
        bestScore = score;
      }
    }
  }
  return best;
}

/** Name forms a client may use for a service, as Istio lists them in a virtual host's domains. */
export function hostAliases(service: MeshService, proxyNamespace: string): string[] {
  const out = [service.hostname];
  if (service.origin === 'Service') {
    const base = `${service.name}.${service.namespace}`;
    out.push(`${base}.svc`, base);
    if (service.namespace === proxyNamespace) out.push(service.name);
  }
  out.push(...service.addresses);
  return out;
}

function defaultRoute(service: MeshService, port: number, vhostName: string, hashPolicy?: Json): Json {
  return {
    name: 'default',
    match: { prefix: '/' },
    route: {
      cluster: clusterName('outbound', port, '', service.hostname),
      timeout: '0s',
      // Istio keeps the default retry policy (previous_hosts included) on a hashed default route.
      retry_policy: retryPolicy(ISTIO_DEFAULT_RETRY),
      ...(hashPolicy ? { hash_policy: [hashPolicy] } : {}),
    },
    decorator: { operation: `${vhostName}/*` },
  };
}

function routesFor(vs: IndexedVirtualService | undefined, ctx: RouteContext): Json[] {
  const out: Json[] = [];
  if (vs === undefined) return out;
  const metadata = virtualServiceMetadata(vs);
  for (const http of vs.spec.http ?? []) {
    for (const route of translateHttpRoute(http as HTTPRoute, ctx)) out.push({ ...route, metadata });
  }
  return out;
}

/**
 * Istio's config-info metadata on a route made from a VirtualService: `istio.config` names it
 * (`/apis/networking.istio.io/v1/namespaces/<ns>/virtual-service/<name>`). istioctl's
 * proxy-config routes and describe read it, as does weft proxy-config.
 */
export function virtualServiceMetadata(vs: { name: string; namespace: string }): Json {
  return { filter_metadata: { istio: { config: istioConfigPath('virtual-service', vs) } } };
}

function contextFor(
  index: MeshIndex,
  proxy: ProxyInfo,
  namespace: string,
  port: number,
  gateway: string,
  vhostName: string,
): RouteContext {
  return {
    namespace,
    port,
    gateway,
    proxyLabels: proxy.labels,
    proxyNamespace: proxy.namespace,
    vhostName,
    portsOf: (host) => index.registry.services.get(host)?.ports.map((p) => p.port) ?? [],
    hashPolicyFor: (d) => {
      const host = resolveHost(d?.host ?? '', namespace);
      const dr = destinationRuleFor(index, host, proxy.namespace, serviceNamespace(index, host));
      return hashPolicyJson(destinationHash(dr?.spec, d));
    },
  };
}

function serviceNamespace(index: MeshIndex, host: string): string {
  return index.registry.services.get(host)?.namespace ?? '';
}

export interface SidecarVirtualHost {
  service: MeshService;
  port: number;
  json: Json;
}

/** One virtual host per HTTP service port visible to the sidecar. */
export function sidecarVirtualHosts(
  index: MeshIndex,
  proxy: ProxyInfo,
  visible: MeshService[],
): SidecarVirtualHost[] {
  const out: SidecarVirtualHost[] = [];
  for (const service of visible) {
    for (const sp of service.ports) {
      if (!isHttpProtocol(sp.protocol)) continue;
      const name = `${service.hostname}:${sp.port}`;
      const vs = virtualServiceFor(index, service.hostname, 'mesh', proxy.namespace);
      const ctx = contextFor(index, proxy, vs?.namespace ?? service.namespace, sp.port, 'mesh', name);
      const routes = routesFor(vs, ctx);
      const aliases = hostAliases(service, proxy.namespace);
      const dr = destinationRuleFor(index, service.hostname, proxy.namespace, service.namespace);
      const hash = hashPolicyJson(serviceHash(dr?.spec, sp.port));
      out.push({
        service,
        port: sp.port,
        json: {
          name,
          domains: aliases.flatMap((a) => [a, `${a}:${sp.port}`]),
          routes: routes.length > 0 ? routes : [defaultRoute(service, sp.port, name, hash)],
          // As Istio does: the upstream sees x-envoy-attempt-count (1, 2, … on retries).
          include_request_attempt_count: true,
        },
      });
    }
  }
  return out;
}

/**
 * Where a sidecar sends HTTP for a host it has no virtual host for: Istio's catch-all virtual host,
 * last in every outbound route table. ALLOW_ANY (the default): `allow_any` → PassthroughCluster,
 * to wherever the request was going; REGISTRY_ONLY: `block_all`, a 502.
 */
export function catchAllVirtualHost(mode: OutboundTrafficMode): Json {
  if (mode === 'ALLOW_ANY') {
    return {
      name: 'allow_any',
      domains: ['*'],
      routes: [
        {
          name: 'allow_any',
          match: { prefix: '/' },
          // Istio also sets max_grpc_timeout: 0s (honour a gRPC client's grpc-timeout), which
          // the proxy does not implement yet and would refuse.
          route: { cluster: PASSTHROUGH_CLUSTER, timeout: '0s' },
        },
      ],
      include_request_attempt_count: true,
    };
  }
  return {
    name: 'block_all',
    domains: ['*'],
    routes: [{ name: 'block_all', match: { prefix: '/' }, direct_response: { status: 502 } }],
    include_request_attempt_count: true,
  };
}

/** The catch-all goes last, unless a virtual host already claims '*' (Envoy refuses a duplicate domain). */
function withCatchAll(vhosts: Json[], catchAll: Json | undefined): Json[] {
  if (!catchAll) return vhosts;
  if (vhosts.some((v) => (v['domains'] as string[]).includes('*'))) return vhosts;
  return [...vhosts, catchAll];
}

/** Per-port route tables (capture mode: route name is the port, e.g. '9080'). */
export function perPortRouteConfigs(vhosts: SidecarVirtualHost[], catchAll?: Json): Json[] {
  const byPort = new Map<number, Json[]>();
  for (const v of vhosts) {
    const list = byPort.get(v.port) ?? [];
    list.push(v.json);
    byPort.set(v.port, list);
  }
  return [...byPort].map(([port, virtual_hosts]) => ({
    '@type': ROUTE_TYPE,
    name: String(port),
    virtual_hosts: withCatchAll(virtual_hosts, catchAll),
    validate_clusters: false,
  }));
}

/**
 * The explicit-mode route table behind the HTTP_PROXY listener: every port in one table, so only
 * `host:port` domains are unambiguous; bare names are kept for port 80, HTTP's default port.
 */
export function httpProxyRouteConfig(vhosts: SidecarVirtualHost[], catchAll?: Json): Json {
  const virtualHosts = vhosts.map((v) => ({
    ...v.json,
    domains: (v.json['domains'] as string[]).filter((d) => d.includes(':') || v.port === 80),
  }));
  return {
    '@type': ROUTE_TYPE,
    name: 'http_proxy',
    virtual_hosts: withCatchAll(virtualHosts, catchAll),
    validate_clusters: false,
  };
}

/** A gateway's route table for one server port: virtual hosts of the VirtualServices bound to it. */
export function gatewayRouteConfig(
  index: MeshIndex,
  proxy: ProxyInfo,
  routeName: string,
  port: number,
  servers: { gateway: string; hosts: string[] }[],
): Json {
  const vhosts = new Map<string, { domains: string[]; routes: Json[] }>();
  for (const vs of index.virtualServices) {
    // A gateway sees the VirtualServices exported to its own namespace, as a sidecar does.
    if (!exportedTo(vs.exportTo, vs.namespace, proxy.namespace)) continue;
    for (const server of servers) {
      if (!vs.gateways.includes(server.gateway)) continue;
      for (const vsHost of vs.hosts) {
        // A server host 'ns/host' or 'host'; the VirtualService's namespace must be allowed by it.
        const allowed = server.hosts.some((h) => serverHostAllows(h, vs, vsHost));
        if (!allowed) continue;
        const name = `${vsHost}:${port}`;
        const ctx = contextFor(index, proxy, vs.namespace, port, server.gateway, name);
        const routes = routesFor(vs, ctx);
        const existing = vhosts.get(name);
        if (existing) existing.routes.push(...routes);
        else vhosts.set(name, { domains: vsHost === '*' ? ['*'] : [vsHost, `${vsHost}:*`], routes });
      }
    }
  }
  return {
    '@type': ROUTE_TYPE,
    name: routeName,
    virtual_hosts: [...vhosts].map(([name, v]) => ({
      name,
      domains: v.domains,
      routes: v.routes,
      include_request_attempt_count: true,
    })),
    validate_clusters: false,
  };
}

function serverHostAllows(serverHost: string, vs: IndexedVirtualService, vsHost: string): boolean {
  const slash = serverHost.indexOf('/');
  const ns = slash === -1 ? '*' : serverHost.slice(0, slash);
  const host = slash === -1 ? serverHost : serverHost.slice(slash + 1);
  if (ns !== '*' && ns !== '.' && ns !== vs.namespace) return false;
  return hostMatches(host, vsHost) || hostMatches(vsHost, host);
}

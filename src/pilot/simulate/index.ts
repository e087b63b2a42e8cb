// Simulation: run a request through the configuration the control plane generated, using the
// proxy's own decoders and router, and report where it lands (route, cluster, endpoints). Tests of
// translation assert on this instead of diffing JSON dumps, and because it decodes every resource
// exactly as a proxy would, a translation that emits something the proxy would NACK fails here.
import type {
  ClusterConfig,
  EndpointAssignmentConfig,
  HashPolicyConfig,
  ListenerConfig,
  RetryPolicyConfig,
} from '../../proxy/config/index.ts';
import { HeaderMap } from '../../proxy/headers/index.ts';
import { compileRouteTable, type RouteDecision, type RouteTable } from '../../proxy/router/index.ts';
import { decodeResource } from '../../proxy/xds/index.ts';
import type { GeneratedConfig, Json } from '../translate/index.ts';

const TYPES = {
  listeners: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  routes: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  clusters: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoints: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
} as const;

export interface SimRequest {
  /** Route configuration to use: 'http_proxy', '9080', 'http.8080', … */
  routeConfig: string;
  authority: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  /** Uniform [0,1) draw for weighted clusters and fractions (default 0). */
  random?: number;
  /** Headers of the upstream's (or the local reply's) response, for the route's response mutations. */
  responseHeaders?: Record<string, string>;
}

/** The request as the proxy sends it upstream: after header mutations, host and path rewrites. */
export interface SimUpstreamRequest {
  authority: string;
  path: string;
  /** Every header, lower-case names, values in order. */
  headers: Record<string, string[]>;
}

export interface SimResult {
  kind: RouteDecision['kind'];
  virtualHost?: string;
  route?: string;
  cluster?: string;
  /** 'ip:port' of the cluster's endpoints (EDS or inline). */
  endpoints: string[];
  status?: number;
  /** A direct response's body. */
  body?: string;
  location?: string;
  /** The route's decoded retry/timeout/fault settings, for assertions. */
  timeoutMs?: number;
  retries?: number;
  perFilterConfig?: Readonly<Record<string, unknown>>;
  mirrors?: string[];
  /** The route's decoded hash policies (what a RING_HASH/MAGLEV cluster hashes on). */
  hashPolicies?: readonly HashPolicyConfig[];
  /** The route's decoded retry policy, if it has one. */
  retryPolicy?: RetryPolicyConfig;
  /** Whether a retry goes to another host (the previous_hosts retry predicate). */
  retryOtherHost?: boolean;
  /** Whether the proxy sends x-envoy-attempt-count (the virtual host's include_request_attempt_count). */
  attemptCount?: boolean;
  /** The route's decoded mirror policies: cluster and the fraction (0..1) of requests mirrored. */
  mirrorPolicies?: readonly { cluster: string; fraction: number }[];
  /** For a request routed to a cluster: what goes upstream (the route's request transformations applied). */
  upstream?: SimUpstreamRequest;
  /** The response headers after the route's response mutations (from SimRequest.responseHeaders). */
  responseHeaders?: Record<string, string[]>;
}

export class DecodeFailure extends Error {}

export class Simulation {
  readonly listeners = new Map<string, ListenerConfig>();
  readonly clusters = new Map<string, ClusterConfig>();
  readonly endpoints = new Map<string, EndpointAssignmentConfig>();
  private readonly tables = new Map<string, RouteTable>();

  constructor(config: GeneratedConfig) {
    const problems: string[] = [];
    const each = (list: Json[], type: string, put: (value: unknown) => void) => {
      for (const json of list) {
        // As the ADS client does: the resource's own '@type' is its Any wrapper's, not a field.
        const { '@type': _any, ...body } = json;
        const r = decodeResource(type, body);
        if (r.ok) put(r.value.value);
        else
          problems.push(
            ...r.errors.map(
              (e) => `${String(json['name'] ?? json['cluster_name'])}: ${e.path}: ${e.message}`,
            ),
          );
      }
    };
    each(config.listeners, TYPES.listeners, (v) =>
      this.listeners.set((v as ListenerConfig).name, v as ListenerConfig),
    );
    each(config.clusters, TYPES.clusters, (v) =>
      this.clusters.set((v as ClusterConfig).name, v as ClusterConfig),
    );
    each(config.endpoints, TYPES.endpoints, (v) =>
      this.endpoints.set((v as EndpointAssignmentConfig).clusterName, v as EndpointAssignmentConfig),
    );
    each(config.routes, TYPES.routes, (v) => {
      const compiled = compileRouteTable(v as Parameters<typeof compileRouteTable>[0]);
      if (compiled.ok) this.tables.set(compiled.table.name, compiled.table);
      else
        problems.push(
          ...compiled.errors.map((e) => `route ${compiled.errors.length}: ${e.path}: ${e.message}`),
        );
    });
    if (problems.length > 0)
      throw new DecodeFailure(`the proxy would reject this config:\n  ${problems.join('\n  ')}`);
  }

  routeConfigNames(): string[] {
    return [...this.tables.keys()];
  }

  request(req: SimRequest): SimResult {
    const table = this.tables.get(req.routeConfig);
    if (!table)
      throw new Error(
        `no route configuration "${req.routeConfig}" (have: ${this.routeConfigNames().join(', ')})`,
      );
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers ?? {})) headers.add(k.toLowerCase(), v);
    const view = {
      method: req.method ?? 'GET',
      authority: req.authority,
      path: req.path,
      scheme: 'http' as const,
      headers,
      sourceIp: '127.0.0.1',
    };
    const explained = table.explain(view, req.random ?? 0);
    const d = explained.decision;
    const out: SimResult = { kind: d.kind, endpoints: [] };
    if (explained.virtualHost) out.virtualHost = explained.virtualHost.name;
    if (d.kind === 'no_route') return out;
    out.route = d.route.name;
    out.timeoutMs = d.route.timeoutMs;
    out.retries = d.route.retryPolicy?.numRetries ?? 0;
    out.perFilterConfig = d.route.perFilterConfig;
    out.mirrors = d.route.mirrors.map((m) => m.cluster);
    out.mirrorPolicies = d.route.mirrors.map((m) => ({ cluster: m.cluster, fraction: m.fraction }));
    out.hashPolicies = d.route.hashPolicies;
    out.retryOtherHost = d.route.retryPolicy?.retryOtherHost ?? false;
    if (d.route.retryPolicy) out.retryPolicy = d.route.retryPolicy;
    out.attemptCount = d.route.includeAttemptCount;
    const ctx = {
      downstreamRemoteAddress: '127.0.0.1:40000',
      protocol: 'HTTP/1.1',
      startTimeMs: 0,
    };
    if (d.kind === 'cluster') {
      out.cluster = d.clusterName;
      out.endpoints = this.endpointsOf(d.clusterName, req.authority);
      // As the router does once it has picked a host: headers, then host, then path rewrites.
      const upstreamHost = out.endpoints[0];
      const head = { ...view, headers: headers.clone() };
      d.route.applyToRequest(
        head,
        d,
        upstreamHost
          ? {
              ...ctx,
              upstreamRemoteAddress: upstreamHost,
              upstreamHostname: upstreamHost.replace(/:\d+$/, ''),
            }
          : ctx,
      );
      out.upstream = { authority: head.authority, path: head.path, headers: headerRecord(head.headers) };
    }
    if (req.responseHeaders) {
      const response = new HeaderMap();
      for (const [k, v] of Object.entries(req.responseHeaders)) response.add(k.toLowerCase(), v);
      d.route.applyToResponse(response, view, d, ctx);
      out.responseHeaders = headerRecord(response);
    }
    if (d.kind === 'direct_response') {
      out.status = d.status;
      if (d.body !== undefined) out.body = d.body;
    } else if (d.kind === 'redirect') {
      out.status = d.status;
      out.location = d.location;
    }
    return out;
  }

  /**
   * Endpoints of a cluster as 'ip:port', from EDS or its inline load assignment. An ORIGINAL_DST
   * cluster's one endpoint is the request's destination: in explicit mode (the requests simulated
   * here) its authority, port 80 when it has none.
   */
  endpointsOf(cluster: string, authority?: string): string[] {
    const c = this.clusters.get(cluster);
    if (c?.discovery === 'ORIGINAL_DST') {
      if (!authority) return [];
      return [/:\d+$/.test(authority) ? authority : `${authority}:80`];
    }
    const cla = c?.discovery === 'EDS' ? this.endpoints.get(c.edsServiceName) : c?.loadAssignment;
    return (cla?.localities ?? []).flatMap((l) =>
      l.endpoints.map((e) => `${e.address.host}:${e.address.port}`),
    );
  }

  /** Shares of clusters over `n` evenly spaced random draws (for weighted routes). */
  split(req: SimRequest, n = 1000): Record<string, number> {
    const counts: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const r = this.request({ ...req, random: (i + 0.5) / n });
      const key = r.cluster ?? r.kind;
      counts[key] = (counts[key] ?? 0) + 1 / n;
    }
    return counts;
  }
}

function headerRecord(map: HeaderMap): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  map.forEach((name, value) => {
    (out[name] ??= []).push(value);
  });
  return out;
}

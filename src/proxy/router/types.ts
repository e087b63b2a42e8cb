// The router's contract with the HTTP engine: what a request looks like to the route table, what
// the table decides, and what a compiled route exposes. Decisions for static targets are built once
// at compile time and returned by reference, so the common path allocates nothing.

import type {
  HashPolicyConfig,
  MirrorPolicyConfig,
  RetryPolicyConfig,
  RouteConfig,
} from '../config/index.ts';
import type { HeaderMap } from '../headers/index.ts';

/** A request as the router sees it. The engine's request head object can be passed as is. */
export interface RequestView {
  method: string;
  /** Host or :authority, may include a port. */
  authority: string;
  /** Origin-form target including the query string. */
  path: string;
  scheme: 'http' | 'https';
  headers: HeaderMap;
  sourceIp: string;
}

/** What the router may change on a request: path, authority and headers. */
export interface MutableRequestHead extends RequestView {
  path: string;
  authority: string;
}

/**
 * Values the header formatter reads that are not in the request itself
 * (%DOWNSTREAM_REMOTE_ADDRESS%, %UPSTREAM_REMOTE_ADDRESS%, %PROTOCOL%, %START_TIME%).
 */
export interface FormatContext {
  /** 'ip:port' of the downstream peer ('[v6]:port' for IPv6). */
  downstreamRemoteAddress: string;
  /** 'ip:port' of the chosen upstream host, when one is chosen. */
  upstreamRemoteAddress?: string;
  /** 'HTTP/1.1', 'HTTP/2', … */
  protocol: string;
  /** Request start, ms since the epoch. */
  startTimeMs: number;
  /**
   * Hostname of the chosen upstream host (endpoint hostname, else its address), used by
   * auto_host_rewrite. When undefined, auto_host_rewrite leaves the authority unchanged.
   */
  upstreamHostname?: string;
}

/** One weighted_clusters entry, compiled; carries its own header mutations. */
export interface WeightedClusterChoice {
  readonly name: string;
  readonly weight: number;
}

export interface ClusterDecision {
  readonly kind: 'cluster';
  readonly clusterName: string;
  readonly route: CompiledRoute;
  /** The weighted_clusters entry picked, when the route splits traffic. */
  readonly weighted: WeightedClusterChoice | undefined;
}

/**
 * cluster_header named a header the request does not carry. Envoy answers 503 with response
 * flag NC (no cluster found), as for a cluster name the cluster manager does not know.
 */
export interface NoClusterDecision {
  readonly kind: 'no_cluster';
  readonly status: 503;
  readonly route: CompiledRoute;
  /** The header that was missing. */
  readonly header: string;
}

export interface DirectResponseDecision {
  readonly kind: 'direct_response';
  readonly status: number;
  readonly body: string | undefined;
  readonly route: CompiledRoute;
}

export interface RedirectDecision {
  readonly kind: 'redirect';
  readonly status: number;
  readonly location: string;
  readonly route: CompiledRoute;
}

/** No virtual host or no route matched: the engine answers 404 with response flag NR. */
export interface NoRouteDecision {
  readonly kind: 'no_route';
}

export type RouteDecision =
  | NoRouteDecision
  | DirectResponseDecision
  | RedirectDecision
  | ClusterDecision
  | NoClusterDecision;

/** A route, compiled: what the engine reads plus the request/response transformations. */
export interface CompiledRoute {
  readonly name: string;
  /** decorator.operation (tracing span name), if set. */
  readonly operation: string | undefined;
  /** Name of the virtual host the route belongs to (stats, access logs). */
  readonly virtualHostName: string;
  /** Route timeout; 0 disables it. Non-'route' actions: 0. */
  readonly timeoutMs: number;
  /**
   * The route's idle_timeout: replaces the connection manager's stream_idle_timeout for streams
   * routed here (0 disables it); undefined keeps the connection manager's.
   */
  readonly idleTimeoutMs: number | undefined;
  /** The route's retry policy, else the virtual host's (Envoy: route wins, no merging). */
  readonly retryPolicy: RetryPolicyConfig | undefined;
  readonly hashPolicies: readonly HashPolicyConfig[];
  readonly mirrors: readonly MirrorPolicyConfig[];
  readonly upgrades: readonly string[];
  /** Upgrade types the route refuses (enabled: false), whatever the connection manager allows. */
  readonly disabledUpgrades: readonly string[];
  readonly perFilterConfig: Readonly<Record<string, unknown>>;
  /** Whether auto_host_rewrite is on (the engine must pass ctx.upstreamHostname). */
  readonly autoHostRewrite: boolean;
  /** The virtual host's include_request_attempt_count: send x-envoy-attempt-count upstream. */
  readonly includeAttemptCount: boolean;

  /**
   * Applies the route to the request head in one pass, in Envoy's order: header mutations
   * (weighted cluster, route, virtual host, route configuration; removes before adds at each
   * level), host rewrite (literal, header, auto), then path rewrite (prefix or regex, setting
   * x-envoy-original-path). Call after choosing the upstream host when auto_host_rewrite or
   * %UPSTREAM_REMOTE_ADDRESS% matter.
   */
  applyToRequest(head: MutableRequestHead, decision: ClusterDecision | undefined, ctx: FormatContext): void;

  /** Whether applyToRequest reads its format context for `decision` (formatters, auto host rewrite). */
  requestUsesContext(decision: ClusterDecision | undefined): boolean;

  /** Whether applyToResponse would change anything for `decision`. */
  mutatesResponse(decision: RouteDecision | undefined): boolean;
  /** Applies response header mutations (weighted cluster, route, virtual host, route configuration). */
  applyToResponse(
    headers: HeaderMap,
    req: RequestView,
    decision: RouteDecision | undefined,
    ctx: FormatContext,
  ): void;
}

/** Why a request went where it did; for tests and `weft proxy-config` (not the hot path). */
export interface RouteExplanation {
  /** Index and name of the virtual host chosen, or undefined when none matched. */
  virtualHost: { index: number; name: string; matchedDomain: string } | undefined;
  /** Index and name of the route chosen. */
  route: { index: number; name: string } | undefined;
  /** One line per route tried: 'routes[0] "r": path prefix "/a" does not match "/b"'. */
  trace: string[];
  decision: RouteDecision;
}

/**
 * The virtual host a connection's last request found, kept by the connection: keep-alive requests
 * nearly always carry the same Host, and comparing it with the last one is cheaper than hashing a
 * fresh string for the table's host cache. Opaque to its owner.
 */
export interface VirtualHostMemo {
  table: unknown;
  authority: string;
  found: unknown;
}

export interface RouteTable {
  readonly name: string;
  /**
   * Decides where a request goes. `random` is uniform in [0, 1), for weights and fractions;
   * `memo`, the connection's, skips the host lookup when the authority repeats.
   */
  route(req: RequestView, random: number, memo?: VirtualHostMemo): RouteDecision;
  /** The same decision with the reasons; slower. */
  explain(req: RequestView, random: number): RouteExplanation;
  /** Whether some virtual host's domains match `authority` (a CONNECT target, for instance). */
  hasVirtualHost(authority: string): boolean;
}

export interface RouteCompileError {
  /** Field path in the RouteConfig, e.g. 'virtualHosts[1].domains[0]'. */
  path: string;
  message: string;
}

export type RouteCompileResult = { ok: true; table: RouteTable } | { ok: false; errors: RouteCompileError[] };

export interface RouteCompileOptions {
  /**
   * RouteConfiguration.ignore_port_in_host_matching: strip the port from the authority before
   * virtual host matching. Default false, as in Envoy: 'foo:80' only matches a domain 'foo:80'.
   */
  ignorePortInHostMatching?: boolean;
}

export type { RouteConfig };

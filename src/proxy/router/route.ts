// One route compiled: its match, its decision (built once when the target is static), and the
// request/response transformations the engine applies after routing.

import type {
  HashPolicyConfig,
  MirrorPolicyConfig,
  RetryPolicyConfig,
  RouteEntryConfig,
  VirtualHostConfig,
} from '../config/index.ts';
import type { HeaderMap } from '../headers/index.ts';
import { clusterName } from '../names/index.ts';
import { type CompiledMutation, compileMutation } from './header-mutation.ts';
import { type CompiledMatch, compileMatch, type MatchInput } from './match.ts';
import { compilePathRewrite, compileRedirect, type PathRewriteFn } from './rewrite.ts';
import type {
  ClusterDecision,
  CompiledRoute,
  FormatContext,
  MutableRequestHead,
  NoClusterDecision,
  RequestView,
  RouteCompileError,
  RouteDecision,
  WeightedClusterChoice,
} from './types.ts';

/** Mutations shared by every route of a virtual host / of the route configuration. */
export interface SharedMutations {
  vhostRequest: CompiledMutation;
  vhostResponse: CompiledMutation;
  configRequest: CompiledMutation;
  configResponse: CompiledMutation;
}

export class WeightedCluster implements WeightedClusterChoice {
  readonly name: string;
  readonly weight: number;
  readonly requestMutation: CompiledMutation;
  readonly responseMutation: CompiledMutation;
  constructor(name: string, weight: number, req: CompiledMutation, resp: CompiledMutation) {
    this.name = name;
    this.weight = weight;
    this.requestMutation = req;
    this.responseMutation = resp;
  }
}

const NO_HASH: readonly HashPolicyConfig[] = [];
const NO_MIRRORS: readonly MirrorPolicyConfig[] = [];
const NO_UPGRADES: readonly string[] = [];
const CLUSTER_HEADER_CACHE_MAX = 64;

class Route implements CompiledRoute {
  readonly name: string;
  readonly operation: string | undefined;
  readonly virtualHostName: string;
  timeoutMs = 0;
  idleTimeoutMs: number | undefined = undefined;
  retryPolicy: RetryPolicyConfig | undefined;
  hashPolicies: readonly HashPolicyConfig[] = NO_HASH;
  mirrors: readonly MirrorPolicyConfig[] = NO_MIRRORS;
  upgrades: readonly string[] = NO_UPGRADES;
  disabledUpgrades: readonly string[] = NO_UPGRADES;
  readonly perFilterConfig: Readonly<Record<string, unknown>>;
  autoHostRewrite = false;
  readonly includeAttemptCount: boolean;
  hostRewriteLiteral: string | undefined;
  hostRewriteHeader: string | undefined;
  pathRewrite: PathRewriteFn | undefined;
  readonly requestMutation: CompiledMutation;
  readonly responseMutation: CompiledMutation;
  readonly shared: SharedMutations;

  constructor(
    cfg: RouteEntryConfig,
    vh: VirtualHostConfig,
    req: CompiledMutation,
    resp: CompiledMutation,
    shared: SharedMutations,
  ) {
    this.name = cfg.name;
    this.operation = cfg.operation;
    this.virtualHostName = vh.name;
    this.retryPolicy = vh.retryPolicy;
    this.includeAttemptCount = vh.includeRequestAttemptCount === true;
    this.perFilterConfig = cfg.perFilterConfig;
    this.requestMutation = req;
    this.responseMutation = resp;
    this.shared = shared;
  }

  applyToRequest(head: MutableRequestHead, decision: ClusterDecision | undefined, ctx: FormatContext): void {
    const headers = head.headers;
    const w = decision?.weighted;
    if (w instanceof WeightedCluster && !w.requestMutation.isEmpty)
      w.requestMutation.apply(headers, head, ctx);
    if (!this.requestMutation.isEmpty) this.requestMutation.apply(headers, head, ctx);
    const shared = this.shared;
    if (!shared.vhostRequest.isEmpty) shared.vhostRequest.apply(headers, head, ctx);
    if (!shared.configRequest.isEmpty) shared.configRequest.apply(headers, head, ctx);

    if (this.hostRewriteLiteral !== undefined) {
      head.authority = this.hostRewriteLiteral;
    } else if (this.hostRewriteHeader !== undefined) {
      const v = headers.get(this.hostRewriteHeader);
      if (v) head.authority = v;
    } else if (this.autoHostRewrite && ctx.upstreamHostname) {
      head.authority = ctx.upstreamHostname;
    }

    if (this.pathRewrite !== undefined) {
      const original = head.path;
      headers.set('x-envoy-original-path', original);
      head.path = this.pathRewrite(original);
    }
  }

  /** Whether applyToRequest reads its format context for `decision` (formatters, auto host rewrite). */
  requestUsesContext(decision: ClusterDecision | undefined): boolean {
    const w = decision?.weighted;
    const shared = this.shared;
    return (
      (w instanceof WeightedCluster && !w.requestMutation.isEmpty) ||
      !this.requestMutation.isEmpty ||
      !shared.vhostRequest.isEmpty ||
      !shared.configRequest.isEmpty ||
      (this.hostRewriteLiteral === undefined && this.hostRewriteHeader === undefined && this.autoHostRewrite)
    );
  }

  /** Whether applyToResponse would change anything for `decision`. */
  mutatesResponse(decision: RouteDecision | undefined): boolean {
    const w = decision?.kind === 'cluster' ? decision.weighted : undefined;
    const shared = this.shared;
    return (
      (w instanceof WeightedCluster && !w.responseMutation.isEmpty) ||
      !this.responseMutation.isEmpty ||
      !shared.vhostResponse.isEmpty ||
      !shared.configResponse.isEmpty
    );
  }

  applyToResponse(
    headers: HeaderMap,
    req: RequestView,
    decision: RouteDecision | undefined,
    ctx: FormatContext,
  ): void {
    const w = decision?.kind === 'cluster' ? decision.weighted : undefined;
    if (w instanceof WeightedCluster && !w.responseMutation.isEmpty)
      w.responseMutation.apply(headers, req, ctx);
    if (!this.responseMutation.isEmpty) this.responseMutation.apply(headers, req, ctx);
    const shared = this.shared;
    if (!shared.vhostResponse.isEmpty) shared.vhostResponse.apply(headers, req, ctx);
    if (!shared.configResponse.isEmpty) shared.configResponse.apply(headers, req, ctx);
  }
}

export interface CompiledEntry {
  readonly route: CompiledRoute;
  readonly match: CompiledMatch;
  /** The decision for a request this route matched. */
  decide(input: MatchInput): RouteDecision;
}

type EntryResult = { ok: true; value: CompiledEntry } | { ok: false; errors: RouteCompileError[] };

function fail(path: string, message: string): EntryResult {
  return { ok: false, errors: [{ path, message }] };
}

/** Picks the weighted cluster for `random` in [0, 1): Envoy's `random % total` over cumulative weights. */
export function pickWeighted<T>(ends: Float64Array, items: readonly T[], total: number, random: number): T {
  let selected = Math.floor(random * total);
  if (!(selected >= 0)) selected = 0;
  if (selected >= total) selected = total - 1;
  for (let i = 0; i < ends.length; i++) if (selected < ends[i]!) return items[i]!;
  return items[items.length - 1]!;
}

export function compileEntry(
  cfg: RouteEntryConfig,
  vh: VirtualHostConfig,
  shared: SharedMutations,
  at: string,
): EntryResult {
  const match = compileMatch(cfg.match);
  if (!match.ok) return fail(`${at}.match.${match.field}`, match.error);
  const req = compileMutation(cfg.requestHeaders);
  if (!req.ok) return fail(`${at}.requestHeaders.${req.field}`, req.error);
  const resp = compileMutation(cfg.responseHeaders);
  if (!resp.ok) return fail(`${at}.responseHeaders.${resp.field}`, resp.error);
  const route = new Route(cfg, vh, req.value, resp.value, shared);
  const matcher = match.value;
  const action = cfg.action;

  if (action.kind === 'direct_response') {
    if (!(action.status >= 200 && action.status <= 599)) {
      return fail(`${at}.action.status`, `direct response status ${action.status} is not within [200, 599]`);
    }
    const decision: RouteDecision = {
      kind: 'direct_response',
      status: action.status,
      body: action.body,
      route,
    };
    return { ok: true, value: { route, match: matcher, decide: () => decision } };
  }

  if (action.kind === 'redirect') {
    if (![301, 302, 303, 307, 308].includes(action.responseCode)) {
      return fail(
        `${at}.action.responseCode`,
        `redirect response code ${action.responseCode} is not 301, 302, 303, 307 or 308`,
      );
    }
    const redirect = compileRedirect(action, cfg.match.path);
    if (!redirect.ok) return fail(`${at}.action`, redirect.error);
    const location = redirect.value;
    const status = action.responseCode;
    return {
      ok: true,
      value: {
        route,
        match: matcher,
        decide: (input) => ({ kind: 'redirect', status, location: location(input.req), route }),
      },
    };
  }

  route.timeoutMs = action.timeoutMs;
  route.idleTimeoutMs = action.idleTimeoutMs;
  if (action.retryPolicy !== undefined) route.retryPolicy = action.retryPolicy;
  if (action.hashPolicy.length > 0) route.hashPolicies = action.hashPolicy;
  if (action.mirrors.length > 0) route.mirrors = action.mirrors;
  if (action.upgrades.length > 0) route.upgrades = action.upgrades;
  if (action.disabledUpgrades !== undefined) route.disabledUpgrades = action.disabledUpgrades;
  route.autoHostRewrite = action.autoHostRewrite;
  route.hostRewriteLiteral = action.hostRewriteLiteral;
  route.hostRewriteHeader = action.hostRewriteHeader?.toLowerCase();
  const hostRewrites =
    Number(action.autoHostRewrite) +
    Number(action.hostRewriteLiteral !== undefined) +
    Number(action.hostRewriteHeader !== undefined);
  if (hostRewrites > 1) {
    return fail(
      `${at}.action`,
      'only one of host_rewrite_literal, host_rewrite_header and auto_host_rewrite may be set',
    );
  }
  const rewrite = compilePathRewrite(cfg.match.path, action.prefixRewrite, action.regexRewrite);
  if (!rewrite.ok) return fail(`${at}.action`, rewrite.error);
  route.pathRewrite = rewrite.value;

  const targets =
    Number(action.cluster !== undefined) +
    Number(action.weightedClusters !== undefined) +
    Number(action.clusterHeader !== undefined);
  if (targets !== 1)
    return fail(`${at}.action`, 'exactly one of cluster, weighted_clusters and cluster_header must be set');

  if (action.cluster !== undefined) {
    if (action.cluster === '') return fail(`${at}.action.cluster`, 'cluster name is empty');
    const decision: ClusterDecision = {
      kind: 'cluster',
      clusterName: clusterName(action.cluster),
      route,
      weighted: undefined,
    };
    return { ok: true, value: { route, match: matcher, decide: () => decision } };
  }

  if (action.clusterHeader !== undefined) {
    const header = action.clusterHeader.toLowerCase();
    const missing: NoClusterDecision = { kind: 'no_cluster', status: 503, route, header };
    // Decisions by cluster name, so a steady stream of requests allocates nothing.
    const cache = new Map<string, ClusterDecision>();
    return {
      ok: true,
      value: {
        route,
        match: matcher,
        decide: (input) => {
          const name = input.req.headers.get(header);
          if (!name) return missing;
          let d = cache.get(name);
          if (d === undefined) {
            d = { kind: 'cluster', clusterName: name, route, weighted: undefined };
            if (cache.size < CLUSTER_HEADER_CACHE_MAX) cache.set(name, d);
          }
          return d;
        },
      },
    };
  }

  const wcs = action.weightedClusters!;
  if (wcs.length === 0) return fail(`${at}.action.weightedClusters`, 'weighted_clusters has no cluster');
  const decisions: ClusterDecision[] = [];
  const ends = new Float64Array(wcs.length);
  let total = 0;
  for (let i = 0; i < wcs.length; i++) {
    const w = wcs[i]!;
    const wat = `${at}.action.weightedClusters[${i}]`;
    if (w.name === '') return fail(`${wat}.name`, 'cluster name is empty');
    if (!(Number.isInteger(w.weight) && w.weight >= 0))
      return fail(`${wat}.weight`, `weight ${w.weight} is not a non-negative integer`);
    const wreq = compileMutation(w.requestHeaders);
    if (!wreq.ok) return fail(`${wat}.requestHeaders.${wreq.field}`, wreq.error);
    const wresp = compileMutation(w.responseHeaders);
    if (!wresp.ok) return fail(`${wat}.responseHeaders.${wresp.field}`, wresp.error);
    total += w.weight;
    ends[i] = total;
    const choice = new WeightedCluster(w.name, w.weight, wreq.value, wresp.value);
    decisions.push({ kind: 'cluster', clusterName: clusterName(w.name), route, weighted: choice });
  }
  if (total <= 0) return fail(`${at}.action.weightedClusters`, 'the sum of weights must be greater than 0');
  return {
    ok: true,
    value: { route, match: matcher, decide: (input) => pickWeighted(ends, decisions, total, input.random) },
  };
}

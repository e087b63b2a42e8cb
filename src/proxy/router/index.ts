// The proxy's router: compiles a RouteConfig into a route table once per config and decides per
// request (virtual host, route, cluster or local answer), applies rewrites and header mutations,
// and computes hash-policy keys for the load balancers.
export type * from './types.ts';

import type { HashPolicyConfig, RouteConfig } from '../config/index.ts';
import type { RequestView, RouteCompileOptions, RouteCompileResult } from './types.ts';

/** Compiles a route configuration; errors name the field, as for an xDS NACK. */
export function compileRouteTable(_cfg: RouteConfig, _opts?: RouteCompileOptions): RouteCompileResult {
  throw new Error('router: compileRouteTable not yet implemented');
}

/** Envoy's hash policy evaluation; undefined when no policy produced a hash. */
export function computeHash(_policies: readonly HashPolicyConfig[], _req: RequestView): bigint | undefined {
  throw new Error('router: computeHash not yet implemented');
}

/** 64-bit hash of a string's UTF-8 bytes, for ring hash / maglev. */
export function hash64(_text: string): bigint {
  throw new Error('router: hash64 not yet implemented');
}

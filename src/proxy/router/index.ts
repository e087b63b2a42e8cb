// The proxy's router: compiles a RouteConfig into a route table once per config and decides per
// request (virtual host, route, cluster or local answer), applies rewrites and header mutations,
// and computes hash-policy keys for the load balancers.

export { type CompiledFormat, compileFormat } from './formatter.ts';
export { computeHash, hash64 } from './hash.ts';
export { compileStringMatcher, type StringMatchFn } from './string-matcher.ts';
export { compileRouteTable } from './table.ts';
export type * from './types.ts';

// Builders for RouteConfig objects in tests: defaults as the xDS decoder would fill them.

import type {
  HeaderMutationConfig,
  RouteActionConfig,
  RouteConfig,
  RouteEntryConfig,
  RouteMatchConfig,
  VirtualHostConfig,
} from '../config/index.ts';
import { HeaderMap } from '../headers/index.ts';
import type { FormatContext, MutableRequestHead } from './types.ts';

export const noMutation = (): HeaderMutationConfig => ({ add: [], remove: [] });

export function match(m: Partial<RouteMatchConfig> = {}): RouteMatchConfig {
  return {
    path: { kind: 'prefix', value: '/' },
    caseSensitive: true,
    headers: [],
    queryParameters: [],
    grpc: false,
    ...m,
  };
}

export function action(a: Partial<RouteActionConfig> = {}): RouteActionConfig {
  return {
    kind: 'route',
    autoHostRewrite: false,
    timeoutMs: 15000,
    hashPolicy: [],
    mirrors: [],
    upgrades: [],
    ...(a.weightedClusters || a.clusterHeader ? {} : { cluster: 'c' }),
    ...a,
  };
}

export function route(r: Partial<RouteEntryConfig> = {}): RouteEntryConfig {
  return {
    name: '',
    match: match(),
    action: action(),
    requestHeaders: noMutation(),
    responseHeaders: noMutation(),
    perFilterConfig: {},
    ...r,
  };
}

export function vhost(v: Partial<VirtualHostConfig> = {}): VirtualHostConfig {
  return {
    name: 'vh',
    domains: ['*'],
    routes: [route()],
    requestHeaders: noMutation(),
    responseHeaders: noMutation(),
    ...v,
  };
}

export function config(virtualHosts: VirtualHostConfig[], extra: Partial<RouteConfig> = {}): RouteConfig {
  return { name: 'rc', virtualHosts, requestHeaders: noMutation(), responseHeaders: noMutation(), ...extra };
}

export function request(
  path: string,
  opts: { authority?: string; method?: string; scheme?: 'http' | 'https'; headers?: [string, string][] } = {},
): MutableRequestHead {
  const headers = new HeaderMap();
  for (const [n, v] of opts.headers ?? []) headers.add(n, v);
  return {
    method: opts.method ?? 'GET',
    authority: opts.authority ?? 'example.com',
    path,
    scheme: opts.scheme ?? 'http',
    headers,
    sourceIp: '10.0.0.7',
  };
}

export const ctx: FormatContext = {
  downstreamRemoteAddress: '10.0.0.7:51234',
  upstreamRemoteAddress: '10.1.2.3:9080',
  protocol: 'HTTP/1.1',
  startTimeMs: Date.UTC(2024, 0, 2, 3, 4, 5, 678),
};

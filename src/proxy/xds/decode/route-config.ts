// config.route.v3.RouteConfiguration → RouteConfig: virtual hosts, routes and header mutations.
import type { RouteConfig, RouteEntryConfig, VirtualHostConfig } from '../../config/index.ts';
import { readHeaderMutation } from './common.ts';
import { MessageReader } from './reader.ts';
import { readDirectResponse, readRedirectAction, readRetryPolicy, readRouteAction } from './route-action.ts';
import { readRouteMatch } from './route-match.ts';

/** Decodes a RouteConfiguration message (top level for RDS, or inline in an HttpConnectionManager). */
export function readRouteConfiguration(r: MessageReader): RouteConfig {
  const name = r.str('name') ?? '';
  const virtualHosts = r.messages('virtual_hosts').map(readVirtualHost);
  checkDomains(r, virtualHosts, name);
  const out: RouteConfig = {
    name,
    virtualHosts,
    requestHeaders: readHeaderMutation(r, 'request'),
    responseHeaders: readHeaderMutation(r, 'response'),
  };
  if (r.bool('validate_clusters', false)) {
    r.error(
      'validate_clusters',
      `'validate_clusters: true' is not supported; cluster references are checked when used`,
    );
  }
  for (const f of ['vhds', 'internal_only_headers', 'cluster_specifier_plugins', 'typed_per_filter_config']) {
    if (r.has(f)) r.error(f, `'${f}' is not supported`);
  }
  // max_direct_response_body_size_bytes only raises the limit on inline bodies; we impose none.
  // ignore_port_in_host_matching and the rest are reported by finish() when set.
  r.finish(['max_direct_response_body_size_bytes', 'metadata']);
  return out;
}

/** Envoy rejects a domain that appears in two virtual hosts, and more than one '*' virtual host. */
function checkDomains(r: MessageReader, hosts: VirtualHostConfig[], routeName: string): void {
  const seen = new Set<string>();
  hosts.forEach((vh, i) => {
    vh.domains.forEach((d, j) => {
      const key = d.toLowerCase();
      if (seen.has(key)) {
        r.error(
          `virtual_hosts[${i}].domains[${j}]`,
          `only unique values for domains are permitted; duplicate entry of domain ${d} in route ${routeName}`,
        );
      }
      seen.add(key);
    });
  });
}

function readVirtualHost(r: MessageReader): VirtualHostConfig {
  const name = r.requiredStr('name', 'virtual host name');
  const domains = r.strings('domains');
  if (domains.length === 0 && r.list('domains').length === 0)
    r.error('domains', `virtual host '${name}' needs at least one domain`);
  domains.forEach((d, i) => {
    const wildcards = d.split('*').length - 1;
    if (d === '') r.error(`domains[${i}]`, `domains must be non-empty`);
    else if (wildcards > 1 || (wildcards === 1 && d !== '*' && !d.startsWith('*') && !d.endsWith('*'))) {
      r.error(`domains[${i}]`, `invalid domain '${d}': a wildcard may only be a prefix or a suffix`);
    }
  });
  const out: VirtualHostConfig = {
    name,
    domains,
    routes: r.messages('routes').map(readRoute),
    requestHeaders: readHeaderMutation(r, 'request'),
    responseHeaders: readHeaderMutation(r, 'response'),
  };
  const retry = r.message('retry_policy');
  if (retry) out.retryPolicy = readRetryPolicy(retry);
  if (r.enumValue('require_tls', ['NONE', 'EXTERNAL_ONLY', 'ALL'], 'NONE') !== 'NONE') {
    r.error('require_tls', `'require_tls' is not supported`);
  }
  // Istio sets it on every virtual host; the router then tells the upstream which attempt it sees.
  if (r.bool('include_request_attempt_count', false)) out.includeRequestAttemptCount = true;
  // include_attempt_count_in_response and the rest are reported by finish() when set.
  r.finish(['metadata']);
  return out;
}

function readRoute(r: MessageReader): RouteEntryConfig {
  const name = r.str('name') ?? '';
  const m = r.message('match');
  if (!m) r.error('match', `route 'match' is required`);
  const match = m
    ? readRouteMatch(m)
    : readRouteMatch(new MessageReader(r.ctx, r.at('match'), { prefix: '/' }));
  const kind = r.oneof(
    ['route', 'redirect', 'direct_response', 'filter_action', 'non_forwarding_action'],
    'action',
  );
  const a = kind ? r.message(kind) : undefined;
  let action: RouteEntryConfig['action'] = { kind: 'direct_response', status: 404 };
  if (kind === undefined) r.ctx.add(r.path, `route needs one of route, redirect, direct_response`);
  else if (a && kind === 'route') action = readRouteAction(a);
  else if (a && kind === 'redirect') action = readRedirectAction(a);
  else if (a && kind === 'direct_response') action = readDirectResponse(a);
  else r.error(kind, `'${kind}' is not supported`);
  const out: RouteEntryConfig = {
    name,
    match,
    action,
    requestHeaders: readHeaderMutation(r, 'request'),
    responseHeaders: readHeaderMutation(r, 'response'),
    perFilterConfig: readPerFilterConfig(r),
  };
  const decorator = r.message('decorator');
  if (decorator) {
    out.operation = decorator.requiredStr('operation');
    // propagate only controls whether the operation is sent upstream in tracing headers.
    decorator.finish(['propagate']);
  }
  // metadata is opaque to routing; stat_prefix only names per-route stats, which we don't emit.
  r.finish(['metadata', 'stat_prefix']);
  return out;
}

/**
 * typed_per_filter_config: filter name → Any, kept as given (with its '@type') as plain JSON: each
 * HTTP filter's implementation validates its own per-route config when the route table is built.
 */
function readPerFilterConfig(r: MessageReader): Record<string, unknown> {
  const map = r.map('typed_per_filter_config');
  const out: Record<string, unknown> = {};
  if (!map) return out;
  for (const [filter, cfg] of Object.entries(map)) {
    if (
      typeof cfg !== 'object' ||
      cfg === null ||
      Array.isArray(cfg) ||
      typeof (cfg as Record<string, unknown>)['@type'] !== 'string'
    ) {
      r.error(
        `typed_per_filter_config.${filter}`,
        `per-filter config for '${filter}' must be an Any with '@type'`,
      );
      continue;
    }
    out[filter] = cfg;
  }
  return out;
}

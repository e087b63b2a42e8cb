// VirtualService rules beyond its schema: hosts and gateways, the delegate form (no hosts), and
// each HTTP, TCP and TLS route.
import type { FieldPath } from '../issue.ts';
import { checkPort } from './checks.ts';
import { at, checkExportToAt, checkLabelsAt } from './common.ts';
import { checkWeightedDestinations } from './destination.ts';
import { checkWildcardDomain, isDnsLabel, isDnsSubdomain, isIpAddress, isIpOrCidr } from './hosts.ts';
import { checkHttpRoute } from './http-route.ts';
import type { Report } from './report.ts';
import { list, type Obj, obj, strings } from './values.ts';

/** 'mesh', 'name' or 'namespace/name' (a name may also be a FQDN such as name.ns.svc.cluster.local). */
export function checkGatewayName(name: string): string | undefined {
  if (name === 'mesh') return undefined;
  const parts = name.split('/');
  const valid =
    parts.length <= 2 &&
    isDnsSubdomain(parts[parts.length - 1]!) &&
    (parts.length === 1 || isDnsLabel(parts[0]!));
  return valid
    ? undefined
    : `invalid gateway name "${name}": must be "mesh", a Gateway name or namespace/name`;
}

export function checkVirtualService(report: Report, spec: Obj): void {
  const hosts = strings(spec['hosts']);
  const gateways = strings(spec['gateways']);
  const isDelegate = hosts.length === 0;
  if (isDelegate && (gateways.length > 0 || list(spec['tcp']).length > 0 || list(spec['tls']).length > 0)) {
    report.error(
      ['spec', 'hosts'],
      'virtual service must have at least one host',
      'a VirtualService without hosts is a delegate: it may only have http routes and no gateways',
    );
  }
  const boundToMesh = gateways.length === 0 || gateways.includes('mesh');
  const seen = new Set<string>();
  hosts.forEach((host, i) => {
    const path = ['spec', 'hosts', i];
    if (seen.has(host)) report.error(path, `duplicate host "${host}"`);
    seen.add(host);
    if (host === '*' && boundToMesh) {
      report.error(
        path,
        'wildcard host "*" is not allowed for virtual services bound to the mesh gateway',
        'list the gateways this VirtualService applies to, or name the hosts',
      );
      return;
    }
    if (!isIpAddress(host)) at(report, path, checkWildcardDomain(host));
  });
  gateways.forEach((gw, i) => {
    at(report, ['spec', 'gateways', i], checkGatewayName(gw));
  });
  checkExportToAt(report, ['spec', 'exportTo'], spec['exportTo']);

  const http = list(spec['http']);
  const tcp = list(spec['tcp']);
  const tls = list(spec['tls']);
  if (http.length + tcp.length + tls.length === 0) {
    report.error(['spec'], 'http, tcp or tls must be provided in virtual service');
  }
  http.forEach((r, i) => {
    const route = obj(r);
    if (route) checkHttpRoute(report, ['spec', 'http', i], route, { isDelegate });
  });
  tcp.forEach((r, i) => {
    const route = obj(r);
    if (!route) return;
    const path = ['spec', 'tcp', i];
    checkL4Matches(report, path, route, undefined);
    checkRoutes(report, path, route, 'TCP');
  });
  tls.forEach((r, i) => {
    const route = obj(r);
    if (!route) return;
    const path = ['spec', 'tls', i];
    if (list(route['match']).length === 0)
      report.error([...path, 'match'], 'TLS route must have at least one match');
    checkL4Matches(report, path, route, hosts);
    checkRoutes(report, path, route, 'TLS');
  });
}

function checkRoutes(report: Report, path: FieldPath, route: Obj, what: string): void {
  const routes = list(route['route']);
  if (routes.length === 0)
    report.error([...path, 'route'], `${what} route must have at least one destination`);
  checkWeightedDestinations(report, [...path, 'route'], routes);
}

/** TCP and TLS matches; TLS matches (hosts given) also need SNI hosts covered by the service's hosts. */
function checkL4Matches(report: Report, path: FieldPath, route: Obj, hosts: string[] | undefined): void {
  list(route['match']).forEach((m, i) => {
    const match = obj(m);
    if (!match) return;
    const mpath = [...path, 'match', i];
    at(report, [...mpath, 'port'], checkPort(match['port']));
    strings(match['destinationSubnets']).forEach((subnet, j) => {
      if (!isIpOrCidr(subnet)) {
        report.error(
          [...mpath, 'destinationSubnets', j],
          `destination subnet "${subnet}" is not an IP address or CIDR`,
        );
      }
    });
    checkLabelsAt(report, [...mpath, 'sourceLabels'], match['sourceLabels']);
    for (const gw of strings(match['gateways'])) at(report, [...mpath, 'gateways'], checkGatewayName(gw));
    if (!hosts) return;
    const sniHosts = strings(match['sniHosts']);
    if (sniHosts.length === 0)
      report.error([...mpath, 'sniHosts'], 'TLS match must have at least one sniHost');
    sniHosts.forEach((sni, j) => {
      const problem = checkWildcardDomain(sni);
      if (problem) report.error([...mpath, 'sniHosts', j], problem);
      else if (!hosts.some((host) => sniWithinHost(sni, host))) {
        report.error(
          [...mpath, 'sniHosts', j],
          `sniHost "${sni}" is not a match for any of the virtual service's hosts (${hosts.join(', ')})`,
        );
      }
    });
  });
}

/** Whether every name `sni` matches is also matched by `host` (wildcards as leftmost labels). */
export function sniWithinHost(sni: string, host: string): boolean {
  if (host === '*' || sni === host) return true;
  if (!host.startsWith('*.')) return false;
  const suffix = host.slice(1); // '.example.com'
  return sni.endsWith(suffix) && sni.length > suffix.length;
}

// Route destinations, shared by HTTP, TCP and TLS routes and by mirrors: the host must name a
// service (not '*'), the subset a DNS-1123 label, the port 1..65535. Weights are relative shares
// (1/3 and 150/50 are valid splits), so, as Istio's validateRouteDestinations, only a negative
// weight and a split with nothing to split (several destinations, total 0) are errors.
import type { FieldPath } from '../issue.ts';
import { checkPercent, checkPort } from './checks.ts';
import { at } from './common.ts';
import { checkWildcardDomain, isDnsLabel } from './hosts.ts';
import type { Report } from './report.ts';
import { has, num, obj, str } from './values.ts';

export function checkDestination(report: Report, path: FieldPath, value: unknown): void {
  const dest = obj(value);
  if (!dest) return;
  const host = str(dest['host']);
  if (host !== undefined) {
    if (host === '') report.error([...path, 'host'], 'destination host must not be empty');
    else if (host === '*') {
      report.error(
        [...path, 'host'],
        'destination host "*" is not a service',
        'name one service host, e.g. reviews',
      );
    } else at(report, [...path, 'host'], checkWildcardDomain(host));
  }
  const subset = str(dest['subset']);
  if (subset !== undefined && !isDnsLabel(subset)) {
    report.error(
      [...path, 'subset'],
      `subset name "${subset}" is invalid: it must be a DNS-1123 label`,
      'lower-case letters, digits and "-", e.g. v1',
    );
  }
  const port = obj(dest['port']);
  if (port) at(report, [...path, 'port', 'number'], checkPort(port['number']));
}

/**
 * Route destinations of one route, as Istio's validateHTTPRouteDestinations and
 * validateRouteDestinations: no weight below 0, and with several destinations a total above 0.
 * The weights need not total 100: each destination gets weight / total of the traffic.
 */
export function checkWeightedDestinations(report: Report, path: FieldPath, routes: unknown[]): void {
  let total = 0;
  routes.forEach((value, i) => {
    const route = obj(value);
    if (!route) return;
    checkDestination(report, [...path, i, 'destination'], route['destination']);
    const weight = num(route['weight']);
    // Not an int32: the schema reports it, and Istio could not have read it.
    if (weight === undefined || !Number.isInteger(weight)) return;
    if (weight < 0) {
      report.error(
        [...path, i, 'weight'],
        `weight ${weight} < 0`,
        'weights are relative shares of the traffic: use 0 to send none to this destination',
      );
    }
    // Istio sums in an int32, so a total that wraps round to 0 is rejected there too.
    total = (total + weight) | 0;
  });
  if (routes.length > 1 && total === 0) {
    report.error(
      path,
      'total destination weight = 0',
      'with more than one destination, a missing weight is 0: give at least one a positive weight',
    );
  }
}

/** A `{ value: n }` percentage field. */
export function checkPercentage(report: Report, path: FieldPath, value: unknown): void {
  const pct = obj(value);
  if (pct && has(pct, 'value')) at(report, [...path, 'value'], checkPercent(pct['value']));
}

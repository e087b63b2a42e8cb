// Route destinations, shared by HTTP, TCP and TLS routes and by mirrors: the host must name a
// service (not '*'), the subset a DNS-1123 label, the port 1..65535, and weights must split 100.
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

/** Route destinations of one route: each weight 0..100, and with several, a total of 100. */
export function checkWeightedDestinations(report: Report, path: FieldPath, routes: unknown[]): void {
  let total = 0;
  let weightError = false;
  routes.forEach((value, i) => {
    const route = obj(value);
    if (!route) return;
    checkDestination(report, [...path, i, 'destination'], route['destination']);
    const weight = num(route['weight']);
    if (weight === undefined) return;
    if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
      report.error([...path, i, 'weight'], `weight ${weight} must be an integer in the range 0..100`);
      weightError = true;
    }
    total += weight;
  });
  if (routes.length > 1 && !weightError && total !== 100) {
    report.error(
      path,
      `destination weights must total 100, got ${total}`,
      'with more than one destination every weight counts; a missing weight is 0',
    );
  }
}

/** A `{ value: n }` percentage field. */
export function checkPercentage(report: Report, path: FieldPath, value: unknown): void {
  const pct = obj(value);
  if (pct && has(pct, 'value')) at(report, [...path, 'value'], checkPercent(pct['value']));
}

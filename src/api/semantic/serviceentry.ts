// ServiceEntry rules beyond its schema: hosts, addresses, ports (unique names, known protocols),
// and endpoints that fit the resolution mode.
import { checkProtocol } from './checks.ts';
import { at, checkExportToAt, checkLabelsAt } from './common.ts';
import { checkFqdn, checkWildcardDomain, isDnsLabel, isIpAddress, isIpOrCidr } from './hosts.ts';
import type { Report } from './report.ts';
import { entries, list, type Obj, obj, str, strings } from './values.ts';

export function checkServiceEntry(report: Report, spec: Obj): void {
  const hosts = strings(spec['hosts']);
  const endpoints = list(spec['endpoints']);
  const resolution = str(spec['resolution']) ?? 'NONE';
  const dns = resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN';
  hosts.forEach((host, i) => {
    if (host === '*') return; // the CRD's CEL rule reports it
    const problem = checkWildcardDomain(host);
    if (problem) report.error(['spec', 'hosts', i], problem);
    else if (dns && endpoints.length === 0 && checkFqdn(host)) {
      report.error(
        ['spec', 'hosts', i],
        `host "${host}" must be a fully qualified name (no wildcard) when resolution is ${resolution} and no endpoints are given`,
        'add endpoints or use resolution NONE',
      );
    }
  });
  strings(spec['addresses']).forEach((address, i) => {
    if (!isIpOrCidr(address))
      report.error(['spec', 'addresses', i], `address "${address}" is not an IP address or CIDR`);
  });
  checkExportToAt(report, ['spec', 'exportTo'], spec['exportTo']);

  const ports = list(spec['ports']);
  const portNames = new Set<string>();
  ports.forEach((p, i) => {
    const port = obj(p);
    if (!port) return;
    const name = str(port['name']);
    if (name !== undefined) portNames.add(name);
    if (name !== undefined && !isDnsLabel(name)) {
      report.error(
        ['spec', 'ports', i, 'name'],
        `port name "${name}" must be a DNS-1123 label`,
        'e.g. http, tcp-9000',
      );
    }
    at(report, ['spec', 'ports', i, 'protocol'], checkProtocol(port['protocol']));
  });
  // Duplicate port names and numbers are the schema's to report (list-map keys and CEL).

  if (resolution === 'STATIC' && endpoints.length === 0 && !obj(spec['workloadSelector'])) {
    report.error(
      ['spec', 'resolution'],
      'resolution STATIC needs endpoints or a workloadSelector',
      'list endpoints with IP addresses, or use resolution DNS',
    );
  }
  endpoints.forEach((e, i) => {
    const endpoint = obj(e);
    if (!endpoint) return;
    const path = ['spec', 'endpoints', i];
    const address = str(endpoint['address']);
    if (address !== undefined && address !== '' && !address.startsWith('unix://')) {
      if (resolution === 'STATIC' && !isIpAddress(address)) {
        report.error(
          [...path, 'address'],
          `endpoint address "${address}" must be an IP address with resolution STATIC`,
        );
      } else if (!isIpAddress(address)) {
        at(report, [...path, 'address'], checkFqdn(address));
      }
    }
    for (const [name] of entries(endpoint['ports'])) {
      if (ports.length > 0 && !portNames.has(name)) {
        report.error(
          [...path, 'ports', name],
          `endpoint port "${name}" is not a port name of this service entry`,
        );
      }
    }
    checkLabelsAt(report, [...path, 'labels'], endpoint['labels']);
  });
  checkLabelsAt(report, ['spec', 'workloadSelector', 'labels'], obj(spec['workloadSelector'])?.['labels']);
}

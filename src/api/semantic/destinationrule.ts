// DestinationRule rules beyond its schema: the host, subsets, and every traffic policy (top level,
// per port, per subset). Durations of outlier detection and connection pools are CEL-checked by
// the CRD, so they are not repeated here.
import type { FieldPath } from '../issue.ts';
import { checkPort } from './checks.ts';
import { at, checkExportToAt, checkLabelsAt, checkUnique } from './common.ts';
import { checkWildcardDomain, isDnsLabel } from './hosts.ts';
import type { Report } from './report.ts';
import { entries, has, list, num, type Obj, obj, str } from './values.ts';

export function checkDestinationRule(report: Report, spec: Obj): void {
  const host = str(spec['host']);
  if (host === '') report.error(['spec', 'host'], 'host must not be empty');
  else if (host !== undefined) at(report, ['spec', 'host'], checkWildcardDomain(host));
  checkExportToAt(report, ['spec', 'exportTo'], spec['exportTo']);
  checkTrafficPolicy(report, ['spec', 'trafficPolicy'], spec['trafficPolicy'], true);
  const subsets = list(spec['subsets']);
  subsets.forEach((s, i) => {
    const subset = obj(s);
    if (!subset) return;
    const path = ['spec', 'subsets', i];
    const name = str(subset['name']);
    if (name === '') report.error([...path, 'name'], 'subset name must not be empty');
    else if (name !== undefined && !isDnsLabel(name)) {
      report.error(
        [...path, 'name'],
        `subset name "${name}" is invalid: it must be a DNS-1123 label`,
        'e.g. v1',
      );
    }
    checkLabelsAt(report, [...path, 'labels'], subset['labels']);
    checkTrafficPolicy(report, [...path, 'trafficPolicy'], subset['trafficPolicy'], true);
  });
  checkUnique(
    report,
    subsets,
    (s) => str(obj(s)?.['name']),
    (i) => ['spec', 'subsets', i, 'name'],
    'subset name',
  );
}

function checkTrafficPolicy(report: Report, path: FieldPath, value: unknown, allowPortLevel: boolean): void {
  const policy = obj(value);
  if (!policy) return;
  if (Object.keys(policy).length === 0) report.error(path, 'traffic policy must have at least one field');
  checkLoadBalancer(report, [...path, 'loadBalancer'], obj(policy['loadBalancer']));
  checkConnectionPool(report, [...path, 'connectionPool'], obj(policy['connectionPool']));
  checkOutlierDetection(report, [...path, 'outlierDetection'], obj(policy['outlierDetection']));
  checkClientTls(report, [...path, 'tls'], obj(policy['tls']));
  if (!allowPortLevel) return;
  const ports = list(policy['portLevelSettings']);
  ports.forEach((p, i) => {
    const setting = obj(p);
    if (!setting) return;
    const ppath = [...path, 'portLevelSettings', i];
    const port = obj(setting['port']);
    if (!port || !has(port, 'number')) {
      report.error([...ppath, 'port'], 'port level settings must specify a port number');
    } else at(report, [...ppath, 'port', 'number'], checkPort(port['number']));
    const { port: _port, ...rest } = setting;
    checkTrafficPolicy(report, ppath, rest, false);
  });
  checkUnique(
    report,
    ports,
    (p) => num(obj(obj(p)?.['port'])?.['number']),
    (i) => [...path, 'portLevelSettings', i, 'port', 'number'],
    'port level setting for port',
  );
}

const HASH_KEYS = ['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName'];

function checkLoadBalancer(report: Report, path: FieldPath, lb: Obj | undefined): void {
  if (!lb) return;
  const hash = obj(lb['consistentHash']);
  if (hash) {
    // More than one key is the schema's oneOf to report; none at all is ours.
    if (!HASH_KEYS.some((k) => has(hash, k))) {
      report.error(
        [...path, 'consistentHash'],
        'consistentHash must specify one hash key',
        `one of ${HASH_KEYS.join(', ')}`,
      );
    }
    if (has(hash, 'ringHash') && has(hash, 'maglev')) {
      report.error([...path, 'consistentHash'], 'consistentHash cannot set both ringHash and maglev');
    }
    const cookie = obj(hash['httpCookie']);
    if (cookie && str(cookie['name']) === '') {
      report.error([...path, 'consistentHash', 'httpCookie', 'name'], 'httpCookie name must not be empty');
    }
  }
  const locality = obj(lb['localityLbSetting']);
  if (locality) {
    const distribute = list(locality['distribute']);
    if (distribute.length > 0 && list(locality['failover']).length > 0) {
      report.error(
        [...path, 'localityLbSetting'],
        'localityLbSetting cannot set both distribute and failover',
      );
    }
    distribute.forEach((d, i) => {
      const weights = entries(obj(d)?.['to']);
      const total = weights.reduce((sum, [, w]) => sum + (num(w) ?? 0), 0);
      if (weights.length > 0 && total !== 100) {
        report.error(
          [...path, 'localityLbSetting', 'distribute', i, 'to'],
          `locality weights must total 100, got ${total}`,
        );
      }
    });
  }
}

const NON_NEGATIVE: Record<string, string[]> = {
  http: [
    'http1MaxPendingRequests',
    'http2MaxRequests',
    'maxRequestsPerConnection',
    'maxRetries',
    'maxConcurrentStreams',
  ],
  tcp: ['maxConnections'],
};

function checkConnectionPool(report: Report, path: FieldPath, pool: Obj | undefined): void {
  if (!pool) return;
  for (const [group, fields] of Object.entries(NON_NEGATIVE)) {
    const settings = obj(pool[group]);
    if (!settings) continue;
    for (const field of fields) {
      const value = num(settings[field]);
      if (value !== undefined && value < 0) {
        report.error([...path, group, field], `${field} must not be negative, got ${value}`);
      }
    }
  }
}

function checkOutlierDetection(report: Report, path: FieldPath, od: Obj | undefined): void {
  if (!od) return;
  const consecutive = num(od['consecutiveErrors']);
  if (consecutive !== undefined && consecutive < 0) {
    report.error(
      [...path, 'consecutiveErrors'],
      `consecutiveErrors must not be negative, got ${consecutive}`,
    );
  }
  for (const field of ['maxEjectionPercent', 'minHealthPercent']) {
    const value = num(od[field]);
    if (value !== undefined && (value < 0 || value > 100)) {
      report.error([...path, field], `${field} ${value} must be in the range 0..100`);
    }
  }
}

function checkClientTls(report: Report, path: FieldPath, tls: Obj | undefined): void {
  if (!tls) return;
  const mode = str(tls['mode']) ?? 'DISABLE';
  const credentialName = str(tls['credentialName']);
  const certFields = ['clientCertificate', 'privateKey', 'caCertificates'];
  if (mode === 'ISTIO_MUTUAL') {
    for (const field of [...certFields, 'credentialName']) {
      if (str(tls[field])) {
        report.error(
          [...path, field],
          `${field} cannot be set with mode ISTIO_MUTUAL`,
          'Istio provides the certificates',
        );
      }
    }
    return;
  }
  if (mode === 'MUTUAL' && !credentialName) {
    if (!str(tls['clientCertificate'])) {
      report.error(
        [...path, 'clientCertificate'],
        'client certificate required for mutual tls',
        'or set credentialName',
      );
    }
    if (!str(tls['privateKey'])) {
      report.error([...path, 'privateKey'], 'private key required for mutual tls', 'or set credentialName');
    }
  }
  if (mode === 'SIMPLE' && str(tls['clientCertificate'])) {
    report.error([...path, 'clientCertificate'], 'clientCertificate is only used with mode MUTUAL');
  }
}

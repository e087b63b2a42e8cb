// Sidecar rules beyond its schema: egress hosts in namespace/dnsName form, ingress ports and
// default endpoints, unique bound ports, and the catch-all egress listener last. The rule "at most
// one Sidecar without workloadSelector per namespace" spans documents, so it is not checked here.
import type { FieldPath } from '../issue.ts';
import { checkPort, checkProtocol } from './checks.ts';
import { at, checkLabelsAt, checkUnique } from './common.ts';
import { checkServerTls } from './gateway.ts';
import { checkNamespacedHost, isDnsLabel, isIpAddress } from './hosts.ts';
import type { Report } from './report.ts';
import { has, list, num, type Obj, obj, str, strings } from './values.ts';

const DEFAULT_ENDPOINT = /^(?:127\.0\.0\.1|0\.0\.0\.0|\[::1\]|\[::\]):(\d+)$/;

export function checkSidecar(report: Report, spec: Obj): void {
  const egress = list(spec['egress']);
  const ingress = list(spec['ingress']);
  if (
    egress.length === 0 &&
    ingress.length === 0 &&
    !has(spec, 'outboundTrafficPolicy') &&
    !has(spec, 'inboundConnectionPool')
  ) {
    report.error(
      ['spec'],
      'sidecar: empty configuration provided',
      'set egress, ingress or outboundTrafficPolicy',
    );
  }
  checkLabelsAt(report, ['spec', 'workloadSelector', 'labels'], obj(spec['workloadSelector'])?.['labels']);

  egress.forEach((e, i) => {
    const listener = obj(e);
    if (!listener) return;
    const path = ['spec', 'egress', i];
    const hosts = strings(listener['hosts']);
    if (hosts.length === 0)
      report.error([...path, 'hosts'], 'sidecar: egress listener must have at least one host');
    for (const [j, h] of hosts.entries()) {
      at(report, [...path, 'hosts', j], checkNamespacedHost(h, { requireNamespace: true }));
    }
    const port = obj(listener['port']);
    if (port) checkListenerPort(report, [...path, 'port'], port);
    else if (i !== egress.length - 1) {
      report.error(path, 'sidecar: the egress listener without a port must be the last one in the list');
    }
    checkBind(report, path, listener);
  });
  checkUnique(
    report,
    egress,
    (e) => num(obj(obj(e)?.['port'])?.['number']),
    (i) => ['spec', 'egress', i, 'port', 'number'],
    'egress listener port',
  );

  ingress.forEach((e, i) => {
    const listener = obj(e);
    if (!listener) return;
    const path = ['spec', 'ingress', i];
    const port = obj(listener['port']);
    if (port) checkListenerPort(report, [...path, 'port'], port);
    checkBind(report, path, listener);
    const endpoint = str(listener['defaultEndpoint']);
    if (endpoint !== undefined && endpoint !== '')
      checkDefaultEndpoint(report, [...path, 'defaultEndpoint'], endpoint);
    const tls = obj(listener['tls']);
    if (tls) {
      const protocol = (str(port?.['protocol']) ?? '').toUpperCase();
      checkServerTls(report, [...path, 'tls'], tls, protocol, protocol === 'HTTPS' || protocol === 'TLS');
    }
  });
  checkUnique(
    report,
    ingress,
    (e) => num(obj(obj(e)?.['port'])?.['number']),
    (i) => ['spec', 'ingress', i, 'port', 'number'],
    'ingress listener port',
  );

  const outbound = obj(spec['outboundTrafficPolicy']);
  if (outbound && has(outbound, 'egressProxy') && str(outbound['mode']) !== 'ALLOW_ANY') {
    report.error(
      ['spec', 'outboundTrafficPolicy', 'egressProxy'],
      'egressProxy is only allowed with mode ALLOW_ANY',
    );
  }
}

function checkListenerPort(report: Report, path: FieldPath, port: Obj): void {
  at(report, [...path, 'number'], checkPort(port['number']));
  at(report, [...path, 'protocol'], checkProtocol(port['protocol']));
  const name = str(port['name']);
  if (name !== undefined && name !== '' && !isDnsLabel(name)) {
    report.error([...path, 'name'], `port name "${name}" must be a DNS-1123 label`);
  }
}

function checkBind(report: Report, path: FieldPath, listener: Obj): void {
  const bind = str(listener['bind']);
  if (bind !== undefined && bind !== '' && !bind.startsWith('unix://') && !isIpAddress(bind)) {
    report.error([...path, 'bind'], `bind "${bind}" must be an IP address or a unix:// socket path`);
  }
}

function checkDefaultEndpoint(report: Report, path: FieldPath, endpoint: string): void {
  if (endpoint.startsWith('unix://')) {
    if (endpoint.length <= 'unix://'.length)
      report.error(path, 'defaultEndpoint unix:// needs a socket path');
    return;
  }
  const m = DEFAULT_ENDPOINT.exec(endpoint);
  if (!m || checkPort(Number(m[1])) !== undefined) {
    report.error(
      path,
      `invalid defaultEndpoint "${endpoint}"`,
      'use 127.0.0.1:<port>, 0.0.0.0:<port>, [::1]:<port>, [::]:<port> or unix://<path>',
    );
  }
}

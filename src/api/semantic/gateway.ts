// Gateway rules beyond its schema: servers with a valid port, protocol and unique port names,
// hosts in namespace/dnsName form, and TLS settings that fit the protocol.
import type { FieldPath } from '../issue.ts';
import { checkPort, checkProtocol } from './checks.ts';
import { at, checkLabelsAt, checkUnique } from './common.ts';
import { checkNamespacedHost, isDnsLabel } from './hosts.ts';
import type { Report } from './report.ts';
import { list, type Obj, obj, str, strings } from './values.ts';

export function checkGateway(report: Report, spec: Obj): void {
  checkLabelsAt(report, ['spec', 'selector'], spec['selector']);
  const servers = list(spec['servers']);
  if (servers.length === 0) report.error(['spec', 'servers'], 'gateway must have at least one server');
  servers.forEach((s, i) => {
    const server = obj(s);
    if (server) checkServer(report, ['spec', 'servers', i], server);
  });
  checkUnique(
    report,
    servers,
    (s) => str(obj(obj(s)?.['port'])?.['name']),
    (i) => ['spec', 'servers', i, 'port', 'name'],
    'server port name',
  );
}

function checkServer(report: Report, path: FieldPath, server: Obj): void {
  const hosts = strings(server['hosts']);
  if (hosts.length === 0) report.error([...path, 'hosts'], 'server must have at least one host');
  for (const [i, h] of hosts.entries()) {
    at(report, [...path, 'hosts', i], checkNamespacedHost(h, { requireNamespace: false }));
  }
  const port = obj(server['port']);
  const protocol = (str(port?.['protocol']) ?? '').toUpperCase();
  if (port) {
    at(report, [...path, 'port', 'number'], checkPort(port['number']));
    at(report, [...path, 'port', 'protocol'], checkProtocol(port['protocol']));
    const name = str(port['name']);
    if (name === '') report.error([...path, 'port', 'name'], 'port name must not be empty');
    else if (name !== undefined && !isDnsLabel(name)) {
      report.error(
        [...path, 'port', 'name'],
        `port name "${name}" must be a DNS-1123 label`,
        'e.g. https-443',
      );
    }
  }
  const tls = obj(server['tls']);
  const isTlsProtocol = protocol === 'HTTPS' || protocol === 'TLS';
  if (!tls) {
    if (isTlsProtocol) {
      report.error(
        [...path, 'tls'],
        `server with protocol ${protocol} must have tls settings`,
        'add tls.mode and tls.credentialName',
      );
    }
    return;
  }
  checkServerTls(report, [...path, 'tls'], tls, protocol, isTlsProtocol);
}

/** Server TLS as Gateways and Sidecar ingress listeners share it. */
export function checkServerTls(
  report: Report,
  path: FieldPath,
  tls: Obj,
  protocol: string,
  isTlsProtocol: boolean,
): void {
  const mode = str(tls['mode']) ?? 'PASSTHROUGH';
  if (!isTlsProtocol) {
    // Plain-text servers may carry tls only to redirect clients to HTTPS.
    if (tls['httpsRedirect'] !== true) {
      report.error(
        path,
        `server cannot have TLS settings for plain-text ${protocol || 'protocol'} ports`,
        'use protocol HTTPS or TLS',
      );
    }
    return;
  }
  if (mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') {
    if (mode === 'AUTO_PASSTHROUGH' && protocol !== 'TLS') {
      report.error([...path, 'mode'], 'AUTO_PASSTHROUGH is only valid with protocol TLS');
    }
    return;
  }
  const hasCredential =
    !!str(tls['credentialName']) ||
    list(tls['credentialNames']).length > 0 ||
    list(tls['tlsCertificates']).length > 0;
  if ((mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') && !hasCredential) {
    if (!str(tls['serverCertificate'])) {
      report.error(
        [...path, 'serverCertificate'],
        `${mode} TLS requires a server certificate`,
        'set credentialName or serverCertificate',
      );
    }
    if (!str(tls['privateKey'])) {
      report.error(
        [...path, 'privateKey'],
        `${mode} TLS requires a private key`,
        'set credentialName or privateKey',
      );
    }
    if (mode !== 'SIMPLE' && !str(tls['caCertificates'])) {
      report.error(
        [...path, 'caCertificates'],
        `${mode} TLS requires a client CA bundle`,
        'set credentialName or caCertificates',
      );
    }
  }
  const versions = ['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3'];
  const min = versions.indexOf(str(tls['minProtocolVersion']) ?? 'TLS_AUTO');
  const max = versions.indexOf(str(tls['maxProtocolVersion']) ?? 'TLS_AUTO');
  if (min > 0 && max > 0 && min > max) {
    report.error([...path, 'minProtocolVersion'], 'minProtocolVersion must not be above maxProtocolVersion');
  }
}

// What Weft accepts but cannot honour yet, as warnings that `weft apply` and `weft validate` print
// beside validation's answers. Validation itself gives Istio's webhook answers (valid Istio config
// stays valid); these say where Weft's behaviour would differ from Istio's, naming the field, so
// nothing is dropped silently.
import type { ResourceDocument } from '../document.ts';
import { type ConfigIssue, type FieldPath, formatPath } from '../issue.ts';
import type { TrafficPolicy } from '../types/index.ts';

type Tls = NonNullable<TrafficPolicy['tls']>;

/** Warnings for every document Weft would not honour in full. */
export function supportWarnings(docs: readonly ResourceDocument[]): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const doc of docs) {
    if (doc.kind === 'DestinationRule' && doc.apiVersion.startsWith('networking.istio.io/'))
      destinationRuleTls(doc, out);
  }
  return out;
}

function destinationRuleTls(doc: ResourceDocument, out: ConfigIssue[]): void {
  const spec = (doc.body['spec'] ?? {}) as {
    host?: string;
    trafficPolicy?: TrafficPolicy;
    subsets?: { name?: string; trafficPolicy?: TrafficPolicy }[];
  };
  const host = spec.host ?? '?';
  const policy = (p: TrafficPolicy | undefined, at: FieldPath) => {
    if (!p || typeof p !== 'object') return;
    if (p.tls) tls(doc, p.tls, [...at, 'tls'], host, out);
    (Array.isArray(p.portLevelSettings) ? p.portLevelSettings : []).forEach((level, i) => {
      if (level?.tls) tls(doc, level.tls, [...at, 'portLevelSettings', i, 'tls'], host, out);
    });
  };
  policy(spec.trafficPolicy, ['spec', 'trafficPolicy']);
  const subsets = Array.isArray(spec.subsets) ? spec.subsets : [];
  for (const [i, s] of subsets.entries()) policy(s?.trafficPolicy, ['spec', 'subsets', i, 'trafficPolicy']);
}

function tls(doc: ResourceDocument, t: Tls, at: FieldPath, host: string, out: ConfigIssue[]): void {
  const warn = (path: FieldPath, message: string, hint: string) =>
    out.push(warning(doc, path, message, hint));
  if (t.mode === 'ISTIO_MUTUAL' || t.mode === 'MUTUAL') {
    warn(
      [...at, 'mode'],
      `tls mode ${t.mode} is not honoured by Weft yet: connections to ${host} stay plaintext`,
      t.mode === 'ISTIO_MUTUAL'
        ? 'Weft does not originate Istio mutual TLS between sidecars yet; traffic still flows, unencrypted'
        : 'only mode SIMPLE (TLS origination with sni, caCertificates, subjectAltNames) is translated',
    );
    return;
  }
  if (t.mode !== 'SIMPLE') return;
  if (t.credentialName) {
    warn(
      [...at, 'credentialName'],
      `credentialName is not honoured by Weft yet: the CA for ${host} is not loaded from the secret`,
      'name the CA file with caCertificates instead',
    );
  }
  if (t.caCrl) {
    warn(
      [...at, 'caCrl'],
      'caCrl is not honoured by Weft yet: revoked upstream certificates are not refused',
      'remove caCrl, or accept that the revocation list is not checked',
    );
  }
  if (!t.caCertificates && !t.credentialName && !t.insecureSkipVerify) {
    warn(
      [...at, 'caCertificates'],
      `without caCertificates Weft does not verify ${host}'s certificate (Istio verifies it against the system's roots)`,
      'set caCertificates to the CA file, or insecureSkipVerify: true to say that no verification is meant',
    );
  }
}

function warning(doc: ResourceDocument, path: FieldPath, message: string, hint: string): ConfigIssue {
  return {
    severity: 'warning',
    file: doc.file,
    line: doc.lineOf(path),
    kind: doc.kind,
    namespace: doc.metadata.namespace ?? '',
    name: doc.metadata.name ?? '',
    path: formatPath(path),
    message,
    hint,
  };
}

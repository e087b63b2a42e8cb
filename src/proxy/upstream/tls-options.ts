// tls.connect options for a cluster's upstream TLS, built once per config. Like Envoy: the peer's
// chain is verified only when a trusted CA is configured, and its identity only against the
// configured subject-alt-name matchers (no implicit hostname check).

import type tls from 'node:tls';
import type { PeerCertificate } from 'node:tls';
import type { StringMatcherConfig, UpstreamTlsConfig } from '../config/index.ts';

function matches(m: StringMatcherConfig, value: string): boolean {
  const v = m.ignoreCase ? value.toLowerCase() : value;
  const want = m.ignoreCase ? m.value.toLowerCase() : m.value;
  switch (m.kind) {
    case 'exact':
      return v === want;
    case 'prefix':
      return v.startsWith(want);
    case 'suffix':
      return v.endsWith(want);
    case 'contains':
      return v.includes(want);
    case 'regex':
      return new RegExp(`^(?:${m.value})$`, m.ignoreCase ? 'i' : '').test(value);
  }
}

/** SAN values of a peer certificate ('URI:spiffe://…', 'DNS:foo' → the part after the colon). */
function subjectAltNames(cert: PeerCertificate): string[] {
  const raw = cert.subjectaltname;
  if (!raw) return [];
  return raw.split(', ').map((entry) => entry.slice(entry.indexOf(':') + 1));
}

/** Options, or a message naming what is missing. */
export function upstreamTlsOptions(
  clusterName: string,
  cfg: UpstreamTlsConfig,
): tls.ConnectionOptions | string {
  if (cfg.certificateSdsNames.length > 0 && !cfg.certificateChain) {
    return `cluster ${clusterName}: upstream TLS certificates from SDS (${cfg.certificateSdsNames.join(', ')}) must be resolved to inline PEM before the cluster manager sees them`;
  }
  if (cfg.validationSdsName && !cfg.trustedCa) {
    return `cluster ${clusterName}: upstream TLS validation context from SDS (${cfg.validationSdsName}) must be resolved to an inline trusted CA before the cluster manager sees it`;
  }
  const matchers = cfg.matchSubjectAltNames;
  const opts: tls.ConnectionOptions = {
    rejectUnauthorized: cfg.trustedCa !== undefined,
    checkServerIdentity: (_host, cert) => {
      if (matchers.length === 0) return undefined;
      const sans = subjectAltNames(cert);
      if (matchers.some((m) => sans.some((s) => matches(m, s)))) return undefined;
      return new Error(
        `upstream certificate SANs [${sans.join(', ')}] match none of the configured matchers`,
      );
    },
  };
  if (cfg.sni) opts.servername = cfg.sni;
  if (cfg.trustedCa) opts.ca = cfg.trustedCa;
  if (cfg.certificateChain) opts.cert = cfg.certificateChain;
  if (cfg.privateKey) opts.key = cfg.privateKey;
  if (cfg.alpnProtocols.length > 0) opts.ALPNProtocols = cfg.alpnProtocols;
  return opts;
}

// Transport sockets: envoy.transport_sockets.tls (DownstreamTlsContext / UpstreamTlsContext) and
// raw_buffer. Certificates come inline, from files, or by SDS secret name (resolved later).
import type { DownstreamTlsConfig, StringMatcherConfig, UpstreamTlsConfig } from '../../config/index.ts';
import {
  type ExtensionKind,
  readDataSource,
  readStringMatcher,
  readTypedConfig,
  resolveExtension,
} from './common.ts';
import type { MessageReader } from './reader.ts';

type SocketId = 'tls_downstream' | 'tls_upstream' | 'raw_buffer';

const SOCKETS: readonly ExtensionKind<SocketId>[] = [
  { id: 'tls_downstream', names: [], type: 'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext' },
  { id: 'tls_upstream', names: [], type: 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext' },
  {
    id: 'raw_buffer',
    names: ['envoy.transport_sockets.raw_buffer', 'raw_buffer'],
    type: 'envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer',
  },
];

interface CommonTls {
  certificateChain?: string;
  privateKey?: string;
  certificateSdsNames: string[];
  trustedCa?: string;
  validationSdsName?: string;
  alpnProtocols: string[];
  matchSubjectAltNames: StringMatcherConfig[];
}

/** Reads `transport_socket` of a listener filter chain; undefined for plaintext. */
export function readDownstreamTransportSocket(r: MessageReader): DownstreamTlsConfig | undefined {
  const typed = readSocket(r, 'tls_downstream');
  if (!typed) return undefined;
  const common = readCommonTlsContext(typed);
  const out: DownstreamTlsConfig = {
    ...common,
    requireClientCertificate: typed.bool('require_client_certificate', false),
  };
  // disable_stateless_session_resumption / session_timeout only change session resumption, which
  // node:tls handles on its own; they are not observable by a correctly behaving client.
  typed.finish([
    'disable_stateless_session_resumption',
    'disable_stateful_session_resumption',
    'session_timeout',
  ]);
  return out;
}

/** Reads `transport_socket` of a cluster; undefined for plaintext. */
export function readUpstreamTransportSocket(r: MessageReader): UpstreamTlsConfig | undefined {
  const typed = readSocket(r, 'tls_upstream');
  if (!typed) return undefined;
  const out: UpstreamTlsConfig = readCommonTlsContext(typed);
  const sni = typed.str('sni');
  if (sni) out.sni = sni;
  typed.finish();
  return out;
}

/** The typed_config reader of a TLS transport socket, or undefined for raw_buffer / errors. */
function readSocket(parent: MessageReader, expected: SocketId): MessageReader | undefined {
  const r = parent.message('transport_socket');
  if (!r) return undefined;
  const name = r.str('name') ?? '';
  const typed = readTypedConfig(r);
  const kind = resolveExtension(r, SOCKETS, name, typed, 'transport socket');
  r.finish();
  if (!kind || kind.id === 'raw_buffer') {
    typed?.reader.finish();
    return undefined;
  }
  if (kind.id !== expected) {
    r.error(
      'typed_config',
      `${typed?.type ?? name} cannot be used here; expected ${SOCKETS.find((s) => s.id === expected)!.type}`,
    );
    return undefined;
  }
  const tlsNames = ['envoy.transport_sockets.tls', 'tls'];
  if (name && !tlsNames.includes(name))
    r.error('name', `transport socket name '${name}' does not match its TLS typed_config`);
  return typed!.reader;
}

function readCommonTlsContext(parent: MessageReader): CommonTls {
  const out: CommonTls = { certificateSdsNames: [], alpnProtocols: [], matchSubjectAltNames: [] };
  const r = parent.message('common_tls_context');
  if (!r) return out;
  const certs = r.messages('tls_certificates');
  if (certs.length > 1) r.error('tls_certificates', `only one TLS certificate per context is supported`);
  for (const c of certs.slice(0, 1)) {
    const chain = c.message('certificate_chain');
    const key = c.message('private_key');
    if (chain) out.certificateChain = readDataSource(chain);
    if (key) out.privateKey = readDataSource(key);
    if (!chain) c.error('certificate_chain', `'certificate_chain' is required`);
    if (!key) c.error('private_key', `'private_key' is required`);
    c.finish();
  }
  for (const s of r.messages('tls_certificate_sds_secret_configs'))
    out.certificateSdsNames.push(readSdsName(s));
  out.alpnProtocols = r.strings('alpn_protocols');

  const which = r.oneof(
    ['validation_context', 'validation_context_sds_secret_config', 'combined_validation_context'],
    'validation_context_type',
  );
  if (which === 'validation_context') {
    const v = r.message('validation_context');
    if (v) readValidationContext(v, out);
  } else if (which === 'validation_context_sds_secret_config') {
    const s = r.message('validation_context_sds_secret_config');
    if (s) out.validationSdsName = readSdsName(s);
  } else if (which === 'combined_validation_context') {
    const c = r.message('combined_validation_context');
    if (c) {
      const d = c.message('default_validation_context');
      if (d) readValidationContext(d, out);
      const s = c.message('validation_context_sds_secret_config');
      if (s) out.validationSdsName = readSdsName(s);
      else
        c.error('validation_context_sds_secret_config', `'validation_context_sds_secret_config' is required`);
      c.finish();
    }
  }
  // tls_params (protocol versions, ciphers, curves) is reported by finish(): we use Node's defaults.
  r.finish();
  return out;
}

/** SdsSecretConfig: the name is what the proxy asks its secret source for. */
function readSdsName(r: MessageReader): string {
  const name = r.requiredStr('name', 'SDS secret name');
  // sds_config says where secrets come from; the agent serves every secret over one source, so the
  // proxy only needs the name.
  r.finish(['sds_config']);
  return name;
}

const SAN_TYPES = ['SAN_TYPE_UNSPECIFIED', 'EMAIL', 'DNS', 'URI', 'IP_ADDRESS', 'OTHER_NAME'] as const;

function readValidationContext(r: MessageReader, out: CommonTls): void {
  const ca = r.message('trusted_ca');
  if (ca) out.trustedCa = readDataSource(ca);
  for (const m of r.messages('match_subject_alt_names')) out.matchSubjectAltNames.push(readStringMatcher(m));
  for (const t of r.messages('match_typed_subject_alt_names')) {
    const type = t.enumValue('san_type', SAN_TYPES, 'SAN_TYPE_UNSPECIFIED');
    if (type !== 'URI' && type !== 'DNS')
      t.error('san_type', `only URI and DNS subject alt name matching is supported, got ${type}`);
    const m = t.message('matcher');
    if (m) out.matchSubjectAltNames.push(readStringMatcher(m));
    else t.error('matcher', `'matcher' is required`);
    t.finish();
  }
  r.finish();
}

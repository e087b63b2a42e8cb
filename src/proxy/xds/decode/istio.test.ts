import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type DecodeResult, decodeCluster, decodeClusterLoadAssignment, decodeListener } from '../index.ts';
import { hcm, listener } from './testdata/resources.ts';

function ok<T>(res: DecodeResult<T>): T {
  if (!res.ok) assert.fail(res.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return res.value;
}

const NAME = 'outbound|9080||reviews.default.svc.cluster.local';
const SDS_CONFIG = {
  apiConfigSource: {
    apiType: 'GRPC',
    transportApiVersion: 'V3',
    grpcServices: [{ envoyGrpc: { clusterName: 'sds-grpc' } }],
    setNodeOnFirstMessageOnly: true,
  },
  initialFetchTimeout: '0s',
  resourceApiVersion: 'V3',
};

// Written by hand in the shape istiod produces (proto3 JSON, as in a config_dump) for the reviews
// service's port 9080 with a DestinationRule of tls mode ISTIO_MUTUAL.
const ISTIO_CLUSTER = {
  name: NAME,
  type: 'EDS',
  edsClusterConfig: {
    edsConfig: { ads: {}, initialFetchTimeout: '0s', resourceApiVersion: 'V3' },
    serviceName: NAME,
  },
  connectTimeout: '10s',
  lbPolicy: 'LEAST_REQUEST',
  circuitBreakers: {
    thresholds: [
      {
        maxConnections: 4294967295,
        maxPendingRequests: 4294967295,
        maxRequests: 4294967295,
        maxRetries: 4294967295,
        trackRemaining: true,
      },
    ],
  },
  commonLbConfig: {},
  metadata: {
    filterMetadata: {
      istio: {
        services: [{ host: 'reviews.default.svc.cluster.local', name: 'reviews', namespace: 'default' }],
        default_original_port: 9080,
      },
    },
  },
  typedExtensionProtocolOptions: {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      commonHttpProtocolOptions: { idleTimeout: '3600s' },
      useDownstreamProtocolConfig: { httpProtocolOptions: {}, http2ProtocolOptions: {} },
    },
  },
  transportSocket: {
    name: 'envoy.transport_sockets.tls',
    typedConfig: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      commonTlsContext: {
        tlsCertificateSdsSecretConfigs: [{ name: 'default', sdsConfig: SDS_CONFIG }],
        combinedValidationContext: {
          defaultValidationContext: {
            matchSubjectAltNames: [{ exact: 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews' }],
          },
          validationContextSdsSecretConfig: { name: 'ROOTCA', sdsConfig: SDS_CONFIG },
        },
        alpnProtocols: ['istio-peer-exchange', 'istio'],
      },
      sni: 'outbound_.9080_._.reviews.default.svc.cluster.local',
    },
  },
};

test(`an istiod-shaped ${NAME} decodes`, () => {
  const c = ok(decodeCluster(ISTIO_CLUSTER));
  assert.equal(c.discovery, 'EDS');
  assert.equal(c.edsServiceName, NAME);
  assert.equal(c.connectTimeoutMs, 10_000);
  assert.equal(c.lbPolicy, 'LEAST_REQUEST');
  assert.deepEqual(c.circuitBreakers, {
    maxConnections: 4294967295,
    maxPendingRequests: 4294967295,
    maxRequests: 4294967295,
    maxRetries: 4294967295,
    trackRemaining: true,
  });
  assert.equal(c.upstreamProtocol, 'downstream');
  assert.equal(c.idleTimeoutMs, 3_600_000);
  assert.deepEqual(c.metadata, ISTIO_CLUSTER.metadata.filterMetadata);
  assert.deepEqual(c.tls, {
    sni: 'outbound_.9080_._.reviews.default.svc.cluster.local',
    certificateSdsNames: ['default'],
    validationSdsName: 'ROOTCA',
    alpnProtocols: ['istio-peer-exchange', 'istio'],
    matchSubjectAltNames: [
      { kind: 'exact', value: 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews', ignoreCase: false },
    ],
  });
});

test('its istiod-shaped EDS assignment decodes', () => {
  const cla = ok(
    decodeClusterLoadAssignment({
      clusterName: NAME,
      endpoints: [
        {
          locality: { region: 'us-central1', zone: 'us-central1-a' },
          lbEndpoints: [
            {
              endpoint: { address: { socketAddress: { address: '10.8.1.7', portValue: 9080 } } },
              healthStatus: 'HEALTHY',
              metadata: {
                filterMetadata: {
                  'envoy.transport_socket_match': { tlsMode: 'istio' },
                  istio: { workload: 'reviews-v1;default;reviews;v1;Kubernetes' },
                },
              },
              loadBalancingWeight: 1,
            },
          ],
          loadBalancingWeight: 1,
        },
      ],
    }),
  );
  assert.deepEqual(cla.localities[0]!.endpoints[0]!.metadata['envoy.transport_socket_match'], {
    tlsMode: 'istio',
  });
  assert.equal(cla.localities[0]!.endpoints[0]!.healthStatus, 'HEALTHY');
});

test('auto-mTLS transport_socket_matches is rejected by name, not ignored', () => {
  const res = decodeCluster({
    ...ISTIO_CLUSTER,
    transportSocketMatches: [{ name: 'tlsMode-istio', match: { tlsMode: 'istio' } }],
  });
  assert.equal(res.ok, false);
  if (!res.ok)
    assert.deepEqual(res.errors, [
      {
        path: 'transportSocketMatches',
        message: `unsupported field 'transportSocketMatches' in Cluster '${NAME}'`,
      },
    ]);
});

test('downstream TLS with inline and file certificates', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-xds-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'key.pem'), 'KEY PEM');
  const l = listener(hcm());
  const chain = (l['filter_chains'] as Record<string, unknown>[])[0]!;
  chain['filter_chain_match'] = {
    server_names: ['Reviews.Example.com'],
    transport_protocol: 'tls',
    prefix_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 8 }],
  };
  chain['transport_socket'] = {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
      require_client_certificate: true,
      common_tls_context: {
        tls_certificates: [
          {
            certificate_chain: { inline_string: 'CERT PEM' },
            private_key: { filename: join(dir, 'key.pem') },
          },
        ],
        validation_context: {
          trusted_ca: { inline_bytes: Buffer.from('CA PEM').toString('base64') },
          match_typed_subject_alt_names: [
            { san_type: 'URI', matcher: { prefix: 'spiffe://cluster.local/' } },
          ],
        },
        alpn_protocols: ['h2', 'http/1.1'],
      },
    },
  };
  const fc = ok(decodeListener(l)).filterChains[0]!;
  assert.deepEqual(fc.match, {
    prefixRanges: ['10.0.0.0/8'],
    sourcePrefixRanges: [],
    serverNames: ['reviews.example.com'],
    transportProtocol: 'tls',
    applicationProtocols: [],
  });
  assert.deepEqual(fc.tls, {
    certificateChain: 'CERT PEM',
    privateKey: 'KEY PEM',
    certificateSdsNames: [],
    trustedCa: 'CA PEM',
    requireClientCertificate: true,
    alpnProtocols: ['h2', 'http/1.1'],
    matchSubjectAltNames: [{ kind: 'prefix', value: 'spiffe://cluster.local/', ignoreCase: false }],
  });

  // a missing file and an upstream context on a listener are errors
  const tc = (chain['transport_socket'] as Record<string, Record<string, unknown>>)['typed_config']!;
  (
    (tc['common_tls_context'] as Record<string, unknown>)['tls_certificates'] as Record<string, unknown>[]
  )[0]!['private_key'] = { filename: join(dir, 'missing.pem') };
  const missing = decodeListener(l);
  assert.equal(missing.ok, false);
  if (!missing.ok) {
    assert.equal(
      missing.errors[0]!.path,
      'filter_chains[0].transport_socket.typed_config.common_tls_context.tls_certificates[0].private_key.filename',
    );
    assert.match(missing.errors[0]!.message, /cannot read '.*missing\.pem': ENOENT/);
  }
  tc['@type'] = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
  const wrong = decodeListener(l);
  assert.equal(wrong.ok, false);
  if (!wrong.ok) assert.equal(wrong.errors[0]!.path, 'filter_chains[0].transport_socket.typed_config');
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  buildDescriptor,
  compareRoots,
  descriptorText,
  loadProtoSources,
  OUTPUT_FILE,
} from '../../scripts/gen-xds-descriptor.ts';
import { envoyProtoRoot } from './protos.ts';

test('the Envoy descriptor is up to date with the protos (run node scripts/gen-xds-descriptor.ts)', () => {
  const sources = loadProtoSources();
  assert.equal(readFileSync(OUTPUT_FILE, 'utf8'), descriptorText(buildDescriptor(sources)));
  // And the root the codecs use encodes every kept message as the .proto files define it.
  assert.deepEqual(compareRoots(sources, envoyProtoRoot()), []);
});

test('the descriptor keeps the resource types, their extensions and the ADS service', () => {
  const root = envoyProtoRoot();
  for (const name of [
    'envoy.service.discovery.v3.DiscoveryRequest',
    'envoy.config.listener.v3.Listener',
    'envoy.config.route.v3.RouteConfiguration',
    'envoy.config.route.v3.FilterConfig',
    'envoy.config.cluster.v3.Cluster',
    'envoy.config.endpoint.v3.ClusterLoadAssignment',
    'envoy.extensions.transport_sockets.tls.v3.Secret',
    'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
    'google.protobuf.Struct',
  ])
    assert.ok(root.lookupType(name), name);
  assert.ok(root.lookupService('envoy.service.discovery.v3.AggregatedDiscoveryService'));
  // Validation rules and annotations are not needed to encode and are left out.
  assert.equal(root.lookup('validate.FieldRules'), null);
});

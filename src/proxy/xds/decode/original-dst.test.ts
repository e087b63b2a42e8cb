// ORIGINAL_DST clusters: what the decoder honours (cleanup_interval, use_http_header,
// http_header_name, upstream_port_override) and what it refuses by name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DecodeError, type DecodeResult, decodeCluster } from '../index.ts';

const od = (extra: Record<string, unknown> = {}) => ({
  name: 'PassthroughCluster',
  type: 'ORIGINAL_DST',
  lb_policy: 'CLUSTER_PROVIDED',
  connect_timeout: '10s',
  ...extra,
});

function errors<T>(res: DecodeResult<T>): DecodeError[] {
  if (res.ok) assert.fail('expected the resource to be rejected');
  return res.errors;
}

test('ORIGINAL_DST: Envoy defaults, and the honoured fields', () => {
  const plain = decodeCluster(od());
  assert.ok(plain.ok);
  assert.deepEqual(plain.value.originalDst, {
    cleanupIntervalMs: 5_000,
    useHttpHeader: false,
    httpHeaderName: 'x-envoy-original-dst-host',
  });
  const tuned = decodeCluster(
    od({
      cleanup_interval: '0.25s',
      original_dst_lb_config: {
        use_http_header: true,
        http_header_name: 'X-Dest',
        upstream_port_override: 8080,
      },
    }),
  );
  assert.ok(tuned.ok);
  assert.deepEqual(tuned.value.originalDst, {
    cleanupIntervalMs: 250,
    useHttpHeader: true,
    httpHeaderName: 'x-dest',
    upstreamPortOverride: 8080,
  });
});

test('ORIGINAL_DST: unimplemented and invalid fields are refused, named', () => {
  const messages = (extra: Record<string, unknown>) =>
    errors(decodeCluster(od(extra))).map((e) => `${e.path}: ${e.message}`);
  assert.deepEqual(messages({ original_dst_lb_config: { metadata_key: { key: 'envoy.lb' } } }), [
    "original_dst_lb_config.metadata_key: Cluster 'PassthroughCluster': 'original_dst_lb_config.metadata_key' is not supported: the destination comes from the connection, the authority or use_http_header",
  ]);
  assert.deepEqual(messages({ outlier_detection: {} }), [
    "outlier_detection: Cluster 'PassthroughCluster': 'outlier_detection' is not supported for ORIGINAL_DST clusters",
  ]);
  assert.deepEqual(messages({ load_assignment: { cluster_name: 'PassthroughCluster', endpoints: [] } }), [
    "load_assignment: Cluster 'PassthroughCluster': ORIGINAL_DST clusters must have no load assignment configured",
  ]);
  assert.equal(messages({ cleanup_interval: '0s' }).length, 1);
  assert.equal(messages({ original_dst_lb_config: { upstream_port_override: 70000 } }).length, 1);
  // Only ORIGINAL_DST clusters take these fields.
  const onStatic = decodeCluster({
    name: 's',
    type: 'STATIC',
    cleanup_interval: '1s',
    load_assignment: { cluster_name: 's', endpoints: [] },
  });
  assert.equal(onStatic.ok, false);
});

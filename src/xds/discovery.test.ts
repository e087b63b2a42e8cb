import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DiscoveryResponse, decodeDiscoveryResponse, encodeDiscoveryResponse } from './discovery.ts';
import { lookupMessageType, wktFieldName } from './protos.ts';
import { CLUSTER_TYPE, ROUTE_TYPE } from './type-urls.ts';

/** protobufjs's encoding of the same response, the reference the hand-written encoder must match. */
function reference(response: DiscoveryResponse): Buffer {
  const type = lookupMessageType('envoy.service.discovery.v3.DiscoveryResponse')!;
  const typeUrl = wktFieldName('google.protobuf.Any', 'type_url');
  const value = wktFieldName('google.protobuf.Any', 'value');
  const plain = {
    ...response,
    resources: response.resources.map((r) => ({ [typeUrl]: r.type_url, [value]: r.value })),
  };
  return Buffer.from(type.encode(plain).finish());
}

/** Decoded values are Buffers over the input; compare contents. */
const plain = (r: DiscoveryResponse) => ({
  ...r,
  resources: r.resources.map((a) => ({ type_url: a.type_url, value: [...a.value] })),
});

test('the hand-written DiscoveryResponse encoding is protobufjs’s, less the empty fields proto3 may omit', () => {
  const long = new Uint8Array(70_000).map((_, i) => i % 251);
  const full: DiscoveryResponse = {
    version_info: '2026-11-22T02:40:00.000Z/7',
    resources: [
      { type_url: CLUSTER_TYPE, value: new Uint8Array([10, 3, 97, 98, 99]) },
      { type_url: ROUTE_TYPE, value: long },
    ],
    type_url: CLUSTER_TYPE,
    nonce: 'ünïcode-nonce',
  };
  assert.deepEqual(encodeDiscoveryResponse(full), reference(full));
  const sparse: DiscoveryResponse[] = [
    { version_info: '', resources: [], type_url: '', nonce: '' },
    { ...full, resources: [{ type_url: CLUSTER_TYPE, value: new Uint8Array() }] },
  ];
  for (const response of [full, ...sparse]) {
    const bytes = encodeDiscoveryResponse(response);
    assert.deepEqual(plain(decodeDiscoveryResponse(bytes)), plain(response));
    assert.deepEqual(
      plain(decodeDiscoveryResponse(reference(response))),
      plain(decodeDiscoveryResponse(bytes)),
    );
  }
});

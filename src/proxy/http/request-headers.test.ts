import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hcm, routeConfig } from '../../../test/proxy/harness.ts';
import { HeaderMap } from '../headers/index.ts';
import { mutateRequestHeaders } from './request-headers.ts';

function withId(id: string | undefined): HeaderMap {
  const h = new HeaderMap();
  h.add('host', 'a');
  if (id !== undefined) h.add('x-request-id', id);
  return h;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('x-request-id: replaced at the edge for an outside client unless preserve_external_request_id', () => {
  const edge = hcm(routeConfig([]), { useRemoteAddress: true });
  // An external peer at the edge: the client's id is replaced (Envoy's edge_request).
  const outside = withId('client-chosen');
  mutateRequestHeaders(outside, edge, '203.0.113.7', 'http');
  assert.match(outside.get('x-request-id')!, UUID);
  assert.deepEqual(outside.getAll('x-request-id').length, 1);
  // An internal peer (loopback, RFC 1918) keeps it.
  const inside = withId('client-chosen');
  mutateRequestHeaders(inside, edge, '10.1.2.3', 'http');
  assert.equal(inside.get('x-request-id'), 'client-chosen');
  // preserve_external_request_id keeps it at the edge too.
  const kept = withId('client-chosen');
  mutateRequestHeaders(
    kept,
    hcm(routeConfig([]), { preserveExternalRequestId: true }),
    '203.0.113.7',
    'http',
  );
  assert.equal(kept.get('x-request-id'), 'client-chosen');
  // Not the edge (use_remote_address off): an id is only added when missing.
  const sidecar = hcm(routeConfig([]), { useRemoteAddress: false });
  const passed = withId('upstream-of-us');
  mutateRequestHeaders(passed, sidecar, '203.0.113.7', 'http');
  assert.equal(passed.get('x-request-id'), 'upstream-of-us');
  const missing = withId(undefined);
  mutateRequestHeaders(missing, sidecar, '203.0.113.7', 'http');
  assert.match(missing.get('x-request-id')!, UUID);
  // generate_request_id off: nothing added or replaced.
  const none = withId(undefined);
  mutateRequestHeaders(none, hcm(routeConfig([]), { generateRequestId: false }), '203.0.113.7', 'http');
  assert.equal(none.get('x-request-id'), undefined);
});

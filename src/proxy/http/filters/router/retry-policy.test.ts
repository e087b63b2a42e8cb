import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeaderMap, type HeaderSource } from '../../../headers/index.ts';
import { parseResponseHead } from '../../h1/index.ts';
import {
  compileRetryPolicy,
  honoursEnvoyHeaders,
  retriableResponse,
  type UpstreamControls,
  upstreamControls,
} from './retry-policy.ts';

// Istio's default route retry policy.
const ISTIO_DEFAULT = compileRetryPolicy({
  retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'],
  numRetries: 2,
  retriableStatusCodes: [503],
  backoffBaseMs: 25,
  backoffMaxMs: 250,
  retryOtherHost: false,
  hostSelectionRetryMaxAttempts: 1,
});

function head(text: string) {
  const r = parseResponseHead(Buffer.from(text, 'latin1'), 0, 65536);
  if (r.kind !== 'head') throw new Error(r.kind);
  return r.head;
}

test('a response head notes a grpc-status line while scanning (any letter case)', () => {
  assert.equal(head('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n').mayHaveGrpcStatus, false);
  assert.equal(
    head('HTTP/1.1 200 OK\r\nGrpc-Status: 14\r\ncontent-length: 0\r\n\r\n').mayHaveGrpcStatus,
    true,
  );
});

test('gRPC retry conditions build no HeaderMap for a head known to have no grpc-status', () => {
  const noFields: HeaderSource = {
    mayHaveGrpcStatus: false,
    get headers(): HeaderMap {
      throw new Error('headers built');
    },
  };
  assert.equal(retriableResponse(ISTIO_DEFAULT, 200, noFields), false);
  // With one, the value decides: 14 (unavailable) is retried, 0 is not.
  const withStatus = (v: string): HeaderSource => {
    const h = new HeaderMap();
    h.add('grpc-status', v);
    return { headers: h };
  };
  assert.equal(retriableResponse(ISTIO_DEFAULT, 200, withStatus('14')), true);
  assert.equal(retriableResponse(ISTIO_DEFAULT, 200, withStatus('0')), false);
  const parsed = head(
    'HTTP/1.1 200 OK\r\ncontent-type: application/grpc\r\ngrpc-status: 14\r\ncontent-length: 0\r\n\r\n',
  );
  assert.equal(retriableResponse(ISTIO_DEFAULT, 200, parsed), true);
  assert.equal(
    retriableResponse(ISTIO_DEFAULT, 503, head('HTTP/1.1 503 x\r\ncontent-length: 0\r\n\r\n')),
    true,
  );
});

test("an external request's router control headers are removed, not honoured (Envoy's sanitizing)", () => {
  const h = new HeaderMap();
  for (const [n, v] of [
    ['x-envoy-retry-on', '5xx'],
    ['x-envoy-upstream-rq-timeout-ms', '1'],
    ['x-envoy-max-retries', '9'],
    ['x-envoy-expected-rq-timeout-ms', '5'],
    ['x-envoy-retriable-status-codes', '418'],
    ['x-custom', 'kept'],
  ])
    h.add(n!, v!);
  const out: UpstreamControls = { timeoutMs: 0, policy: undefined };
  upstreamControls(15000, undefined, h, false, out);
  assert.equal(out.timeoutMs, 15000);
  assert.equal(out.policy, undefined);
  // Not on Envoy's list: left for the next hop to judge.
  assert.deepEqual(h.names, ['x-envoy-retriable-status-codes', 'x-custom']);
  // From an internal client they are honoured (and consumed).
  const internal = new HeaderMap();
  internal.add('x-envoy-upstream-rq-timeout-ms', '80');
  upstreamControls(15000, undefined, internal, true, out);
  assert.equal(out.timeoutMs, 80);
  assert.equal(internal.size, 0);
});

test('x-envoy-* controls are honoured off the edge, and at the edge only from internal peers', () => {
  assert.equal(honoursEnvoyHeaders(false, '203.0.113.7'), true);
  // Alternating peers: the remembered answer is the last peer's, never another's.
  for (let i = 0; i < 3; i++) {
    assert.equal(honoursEnvoyHeaders(true, '10.1.2.3'), true);
    assert.equal(honoursEnvoyHeaders(true, '203.0.113.7'), false);
    assert.equal(honoursEnvoyHeaders(true, '203.0.113.7'), false);
    assert.equal(honoursEnvoyHeaders(true, '::1'), true);
    assert.equal(honoursEnvoyHeaders(true, '172.32.0.1'), false);
    assert.equal(honoursEnvoyHeaders(true, '172.16.0.1'), true);
  }
});

test('x-envoy- names are found whatever their place, and names that only resemble them are not', () => {
  const out: UpstreamControls = { timeoutMs: 0, policy: undefined };
  const h = new HeaderMap();
  h.add('x-envoyz-upstream-rq-timeout-ms', '5');
  h.add('xxenvoy-upstream-rq-timeout-ms', '5');
  upstreamControls(15000, undefined, h, true, out);
  assert.equal(out.timeoutMs, 15000);
  h.add('x-envoy-upstream-rq-timeout-ms', '250');
  upstreamControls(15000, undefined, h, true, out);
  assert.equal(out.timeoutMs, 250);
  assert.equal(h.has('x-envoy-upstream-rq-timeout-ms'), false);
});

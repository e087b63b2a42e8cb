import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeaderMap } from '../headers/index.ts';
import {
  compileAccessLogFormat,
  newStreamInfo,
  ResponseFlag,
  responseFlagFromShortCode,
  responseFlagsToString,
  type StreamInfo,
} from './index.ts';

function sample(): StreamInfo {
  const info = newStreamInfo(Date.UTC(2016, 3, 15, 20, 17, 0, 310));
  const req = new HeaderMap();
  req.add('user-agent', 'curl/8.0');
  req.add('x-request-id', 'abc-123');
  const resp = new HeaderMap();
  resp.add('x-envoy-upstream-service-time', '4');
  Object.assign(info, {
    method: 'GET',
    path: '/productpage',
    authority: 'bookinfo:9080',
    protocol: 'HTTP/1.1',
    requestHeaders: req,
    responseHeaders: resp,
    responseCode: 200,
    bytesReceived: 0,
    bytesSent: 5183,
    durationMs: 7.9,
    upstreamHost: '10.0.0.7:9080',
    upstreamCluster: 'outbound|9080||productpage.default.svc.cluster.local',
    downstreamRemoteAddress: '127.0.0.1:51234',
    routeName: 'default',
  });
  return info;
}

test("Envoy's default format", () => {
  const f = compileAccessLogFormat();
  assert.equal(typeof f, 'function');
  if (typeof f !== 'function') return;
  assert.equal(
    f(sample()),
    '[2016-04-15T20:17:00.310Z] "GET /productpage HTTP/1.1" 200 - 0 5183 7 4 "-" "curl/8.0" "abc-123" "bookinfo:9080" "10.0.0.7:9080"\n',
  );
});

test('X?Y fallback, truncation, addresses, flags and custom START_TIME', () => {
  const f = compileAccessLogFormat(
    '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH):5% %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %UPSTREAM_CLUSTER% ' +
      '%RESPONSE_FLAGS% %START_TIME(%Y/%m/%d %H:%M:%S.%3f)% %ROUTE_NAME% %UPSTREAM_SERVICE_TIME% %RESP(:STATUS)%',
  );
  if (typeof f !== 'function') assert.fail(f.error);
  const info = sample();
  info.responseFlags = ResponseFlag.UpstreamConnectionFailure | ResponseFlag.UpstreamRetryLimitExceeded;
  info.upstreamServiceTimeMs = 12.4;
  assert.equal(
    f(info),
    '/prod 127.0.0.1 outbound|9080||productpage.default.svc.cluster.local UF,URX 2016/04/15 20:17:00.310 default 12 200',
  );
  info.requestHeaders!.add('x-envoy-original-path', '/orig');
  assert.match(f(info), /^\/orig /);
});

test('errors are values naming the command', () => {
  assert.deepEqual(compileAccessLogFormat('%NOPE%'), { error: 'unknown access log command %NOPE%' });
  const r = compileAccessLogFormat('%REQ(:PATH%');
  assert.equal(typeof r, 'object');
  assert.deepEqual(compileAccessLogFormat('%START_TIME(%Q)%'), {
    error: 'unsupported START_TIME format specifier %Q',
  });
  const literal = compileAccessLogFormat('100% sure %');
  if (typeof literal !== 'function') assert.fail(literal.error);
  assert.equal(literal(sample()), '100% sure %');
});

test('response flags print as Envoy short codes in Envoy order', () => {
  assert.equal(responseFlagsToString(0), '-');
  assert.equal(responseFlagsToString(ResponseFlag.UpstreamOverflow), 'UO');
  assert.equal(
    responseFlagsToString(ResponseFlag.UnauthorizedExternalService | ResponseFlag.NoHealthyUpstream),
    'UH,UAEX',
  );
  assert.equal(responseFlagFromShortCode('DC'), ResponseFlag.DownstreamConnectionTermination);
  assert.equal(responseFlagFromShortCode('ZZ'), 0);
});

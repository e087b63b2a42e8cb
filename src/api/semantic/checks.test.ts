import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDurationMs } from '../../util/duration/index.ts';
import { checkDuration, checkHeaderName, checkLabelKey, checkRegex } from './checks.ts';
import { checkNamespacedHost, checkWildcardDomain, isIpOrCidr } from './hosts.ts';
import { sniWithinHost } from './virtualservice.ts';

test('durations parse as Istio writes them and must reach 1ms', () => {
  assert.equal(parseDurationMs('1.5s'), 1500);
  assert.equal(parseDurationMs('1m30s'), 90_000);
  assert.equal(parseDurationMs('250ms'), 250);
  assert.equal(parseDurationMs('10'), undefined);
  assert.equal(parseDurationMs('1x'), undefined);
  assert.match(checkDuration('500us') ?? '', /at least 1ms/);
  assert.equal(checkDuration('1ms'), undefined);
});

test('wildcards only as the whole leftmost label', () => {
  assert.equal(checkWildcardDomain('*'), undefined);
  assert.equal(checkWildcardDomain('*.example.com'), undefined);
  assert.equal(checkWildcardDomain('reviews.default.svc.cluster.local'), undefined);
  assert.ok(checkWildcardDomain('*example.com'));
  assert.ok(checkWildcardDomain('a.*.com'));
  assert.ok(checkWildcardDomain(''));
  assert.ok(checkWildcardDomain(`${'a'.repeat(64)}.com`));
  assert.equal(checkNamespacedHost('istio-system/*.example.com', { requireNamespace: true }), undefined);
  assert.ok(checkNamespacedHost('reviews', { requireNamespace: true }));
});

test('IP, CIDR, header names, label keys and RE2 regexes', () => {
  assert.ok(isIpOrCidr('10.0.0.0/8'));
  assert.ok(isIpOrCidr('2001:db8::/32'));
  assert.ok(!isIpOrCidr('10.0.0.0/33'));
  assert.equal(checkHeaderName('x-request-id'), undefined);
  assert.ok(checkHeaderName('X-Request-Id'));
  assert.equal(checkLabelKey('app.kubernetes.io/name'), undefined);
  assert.ok(checkLabelKey('bad key'));
  assert.equal(checkRegex('^/api/v[0-9]+'), undefined);
  assert.ok(checkRegex('(?<=x)y'));
});

test('an SNI host must fall within a virtual service host', () => {
  assert.ok(sniWithinHost('a.example.com', '*.example.com'));
  assert.ok(sniWithinHost('*.a.example.com', '*.example.com'));
  assert.ok(!sniWithinHost('example.com', '*.example.com'));
  assert.ok(!sniWithinHost('a.other.com', 'a.example.com'));
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CRD_FILE, generateTypes, OUTPUT_FILE } from '../../../scripts/gen-types.ts';
import type { DestinationRuleSpec, HTTPRoute, VirtualServiceSpec } from './index.ts';
import { isIstioKind } from './index.ts';

test('the generated Istio spec types are up to date with the CRDs (run node scripts/gen-types.ts)', () => {
  const expected = generateTypes(readFileSync(CRD_FILE, 'utf8'));
  assert.equal(readFileSync(OUTPUT_FILE, 'utf8'), expected);
});

test('generated types describe Bookinfo-shaped specs', () => {
  const route: HTTPRoute = {
    match: [{ headers: { 'end-user': { exact: 'jason' } } }],
    route: [{ destination: { host: 'reviews', subset: 'v2', port: { number: 9080 } }, weight: 100 }],
    timeout: '0.5s',
  };
  const vs: VirtualServiceSpec = { hosts: ['reviews'], http: [route] };
  const dr: DestinationRuleSpec = {
    host: 'reviews',
    trafficPolicy: { loadBalancer: { simple: 'RANDOM' } },
    subsets: [{ name: 'v1', labels: { version: 'v1' } }],
  };
  assert.equal(vs.http?.[0]?.route?.[0]?.destination.host, 'reviews');
  assert.equal(dr.subsets?.[0]?.name, 'v1');
  assert.ok(isIstioKind('Sidecar'));
  assert.ok(!isIstioKind('Deployment'));
});

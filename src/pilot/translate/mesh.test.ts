import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigStore, type ResourceInput } from '../../config/index.ts';
import { buildRegistry } from '../../registry/index.ts';
import { buildMeshIndex } from './mesh.ts';
import { virtualServiceFor } from './route-config.ts';

function vs(name: string, subset: string): ResourceInput {
  const body = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'default' },
    spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset } }] }] },
  };
  return { apiVersion: body.apiVersion, kind: body.kind, body, source: { file: 'vs.yaml', line: 1 } };
}

test('the oldest of two VirtualServices for a host wins, also after it is edited', () => {
  const store = new ConfigStore();
  store.update([vs('zz-first', 'v1')]);
  store.update([vs('aa-second', 'v2')]);
  store.update([vs('zz-first', 'v3')]);
  const config = store.snapshot();
  const index = buildMeshIndex(config, buildRegistry(config));
  assert.equal(
    virtualServiceFor(index, 'reviews.default.svc.cluster.local', 'mesh', 'default')?.name,
    'zz-first',
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findProxy } from './api.ts';

const proxy = (name: string, namespace = 'default', connectionId = `${name}-1`) => ({
  connectionId,
  node: { id: `sidecar~127.0.0.1~${name}.${namespace}~${namespace}.svc.cluster.local`, name, namespace },
});

test('findProxy: exact names, name.namespace, and a prefix that names one pod', () => {
  const list = [proxy('productpage-v1-1fff627a6-0'), proxy('reviews-v1-aa-0'), proxy('reviews-v2-bb-0')];
  assert.equal(findProxy(list, 'productpage-v1-1fff627a6-0')?.node.name, 'productpage-v1-1fff627a6-0');
  assert.equal(findProxy(list, 'reviews-v1-aa-0.default')?.node.name, 'reviews-v1-aa-0');
  assert.equal(findProxy(list, 'productpage-v1')?.node.name, 'productpage-v1-1fff627a6-0');
  assert.equal(findProxy(list, 'reviews-v'), undefined, 'ambiguous prefix');
  assert.equal(findProxy(list, 'nothing'), undefined);
});

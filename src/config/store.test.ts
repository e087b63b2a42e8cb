import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigStore, type ResourceInput } from './store.ts';

function vs(name: string, host: string, namespace?: string): ResourceInput {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    body: {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name, ...(namespace ? { namespace } : {}) },
      spec: { hosts: [host] },
    },
    source: { file: 'test.yaml', line: 1 },
  };
}

test('update adds resources, bumps the version and notifies watchers once', () => {
  const store = new ConfigStore();
  const seen: string[][] = [];
  store.watch((change) => seen.push(change.changed.map((k) => k.name)));
  const change = store.update([vs('reviews', 'reviews'), vs('ratings', 'ratings')]);
  assert.equal(change.version, 1);
  assert.deepEqual(seen, [['reviews', 'ratings']]);
  assert.equal(store.snapshot().ofKind('VirtualService').length, 2);
  assert.equal(store.snapshot().ofKind('VirtualService', 'networking.istio.io').length, 2);
  assert.equal(store.snapshot().ofKind('VirtualService', 'other.io').length, 0);
});

test('an identical re-apply is not a change; a new version of the same object replaces it', () => {
  const store = new ConfigStore();
  store.update([vs('reviews', 'reviews')]);
  assert.equal(store.update([vs('reviews', 'reviews')]).changed.length, 0);
  assert.equal(store.snapshot().version, 1);
  const older = {
    ...vs('reviews', 'reviews.default.svc.cluster.local'),
    apiVersion: 'networking.istio.io/v1alpha3',
  };
  assert.equal(store.update([older]).changed.length, 1);
  assert.equal(store.snapshot().resources.size, 1, 'versions of a kind share one identity');
});

test('namespace defaults to "default"; removal and replaceSource report removed keys', () => {
  const store = new ConfigStore();
  store.update([vs('a', 'a'), vs('b', 'b', 'prod')]);
  const a = store
    .snapshot()
    .ofKind('VirtualService')
    .find((r) => r.key.name === 'a')!;
  assert.equal(a.key.namespace, 'default');
  const change = store.replaceSource(() => true, [vs('a', 'a')]);
  assert.deepEqual(
    change.changed.map((k) => `${k.namespace}/${k.name}`),
    ['prod/b'],
  );
  store.update([], [a.key]);
  assert.equal(store.snapshot().resources.size, 0);
});

test('snapshots are immutable: an old snapshot does not see later changes', () => {
  const store = new ConfigStore();
  store.update([vs('a', 'a')]);
  const before = store.snapshot();
  store.update([vs('b', 'b')]);
  assert.equal(before.resources.size, 1);
  assert.equal(store.snapshot().resources.size, 2);
});

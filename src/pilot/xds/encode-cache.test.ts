import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anyToJson, CLUSTER_TYPE, type JsonObject } from '../../xds/index.ts';
import { EncodeCache } from './encode-cache.ts';

const cluster = (name: string, timeout = '1s'): JsonObject => ({
  '@type': CLUSTER_TYPE,
  name,
  type: 'EDS',
  connect_timeout: timeout,
});

test('equal resources encode once, by identity or by content, and decode to what was given', () => {
  const cache = new EncodeCache();
  const shared = cluster('a');
  const first = cache.encode(shared);
  const again = cache.encode(shared);
  const equal = cache.encode(cluster('a'));
  assert.ok(first.ok && again.ok && equal.ok);
  assert.equal(again.value, first.value);
  assert.equal(equal.value, first.value);
  assert.deepEqual(cache.stats(), { entries: 1, hitsByIdentity: 1, hitsByContent: 1, encodes: 1 });
  const json = anyToJson(first.value.any);
  assert.ok(json.ok);
  assert.equal(json.value['name'], 'a');
  const other = cache.encode(cluster('a', '2s'));
  assert.ok(other.ok);
  assert.notEqual(other.value.digest, first.value.digest);
});

test('a new epoch forgets identities, keeps what the last epoch used and drops the rest', () => {
  const cache = new EncodeCache();
  const obj = cluster('a');
  cache.encode(obj);
  cache.encode(cluster('b'));
  cache.nextEpoch();
  // The same object mutated after a config change is judged by its content again.
  obj['connect_timeout'] = '5s';
  const changed = cache.encode(obj);
  assert.ok(changed.ok);
  const json = anyToJson(changed.value.any);
  assert.ok(json.ok);
  assert.equal(json.value['connect_timeout'], '5s');
  cache.nextEpoch();
  // 'b' and the old 'a' went unused for a whole epoch; the 5s 'a' was used in the last one.
  assert.equal(cache.stats().entries, 1);
});

test('an invalid resource is an error naming the field, and is not cached', () => {
  const cache = new EncodeCache();
  const bad = { '@type': CLUSTER_TYPE, name: 'x', no_such_field: 1 };
  const result = cache.encode(bad);
  assert.equal(result.ok, false);
  assert.ok(!result.ok && /no_such_field/.test(result.errors[0]!.message));
  assert.equal(cache.stats().entries, 0);
});

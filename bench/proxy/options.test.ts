import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAbOptions, parseBenchOptions } from './options.ts';

test('defaults: 5 s runs, 6 repetitions, all targets at 1000 rps', () => {
  const o = parseBenchOptions([]);
  assert.ok(typeof o === 'object');
  assert.equal(o.durationS, 5);
  assert.equal(o.runs, 6);
  assert.equal(o.rate, 1000);
  assert.deepEqual(o.targets, ['direct', 'weft', 'nginx', 'haproxy']);
});

test('--quick shortens everything; explicit flags still win', () => {
  const o = parseBenchOptions(['--quick', '--runs', '2']);
  assert.ok(typeof o === 'object');
  assert.equal(o.durationS, 2);
  assert.equal(o.runs, 2);
  assert.equal(o.warmupS, 1);
});

test('--only keeps the canonical order and always includes the direct baseline', () => {
  const o = parseBenchOptions(['--only', 'nginx, weft']);
  assert.ok(typeof o === 'object');
  assert.deepEqual(o.targets, ['direct', 'weft', 'nginx']);
});

test('bad input is a message naming the flag', () => {
  assert.match(String(parseBenchOptions(['--only', 'envoy'])), /unknown target envoy/);
  assert.match(String(parseBenchOptions(['--runs', '1.5'])), /--runs must be a positive integer/);
  assert.match(String(parseBenchOptions(['--duration', '0'])), /--duration must be a positive number/);
  assert.match(String(parseBenchOptions(['--bogus'])), /bogus/);
});

test('bench:proxy-ab needs --base; rounds, duration and connections have defaults and are checked', () => {
  const o = parseAbOptions(['--base', 'HEAD~3']);
  assert.ok(typeof o === 'object');
  assert.deepEqual([o.base, o.rounds, o.durationS, o.connections, o.virtualHosts], ['HEAD~3', 7, 3, 16, 100]);
  const one = parseAbOptions(['--base', 'x', '--virtual-hosts', '1']);
  assert.ok(typeof one === 'object' && one.virtualHosts === 1);
  assert.match(
    String(parseAbOptions(['--base', 'x', '--virtual-hosts', '0'])),
    /--virtual-hosts must be a positive integer/,
  );
  assert.match(String(parseAbOptions([])), /--base <rev> is required/);
  assert.match(
    String(parseAbOptions(['--base', 'x', '--rounds', '0'])),
    /--rounds must be a positive integer/,
  );
  const help = parseAbOptions(['--help']);
  assert.ok(typeof help === 'object' && help.help);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTraceOptions, TRACE_USAGE } from './trace-options.ts';

test('bench:proxy-trace options: defaults, a subset of targets, and bad input as a message', () => {
  assert.deepEqual(parseTraceOptions([]), {
    rounds: 3,
    rate: 1000,
    traceS: 1,
    targets: ['weft', 'nginx', 'node-floor'],
  });
  const o = parseTraceOptions(['--rounds', '5', '--only', 'nginx,weft', '--trace', '0.5']);
  assert.deepEqual(o, { rounds: 5, rate: 1000, traceS: 0.5, targets: ['weft', 'nginx'] });
  assert.equal(parseTraceOptions(['-h']), TRACE_USAGE);
  assert.match(String(parseTraceOptions(['--rate', '0'])), /--rate must be a positive number/);
  assert.match(String(parseTraceOptions(['--only', 'envoy'])), /unknown target envoy/);
  assert.match(String(parseTraceOptions(['--bogus'])), /bogus/);
});

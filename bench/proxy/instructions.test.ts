import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callgrindSummary, parseInstructionOptions } from './instructions.ts';

test('bench:proxy-instructions options: defaults, values, and what is refused', () => {
  assert.deepEqual(parseInstructionOptions([]), { base: 'http-floor', requests: 20000, warmupS: 30 });
  assert.deepEqual(parseInstructionOptions(['--base', 'HEAD~3', '--requests', '5000', '--warmup', '10']), {
    base: 'HEAD~3',
    requests: 5000,
    warmupS: 10,
  });
  assert.equal(parseInstructionOptions(['--help']), 'help');
  assert.match(String(parseInstructionOptions(['--requests', '0'])), /positive integer/);
  assert.match(String(parseInstructionOptions(['--base'])), /needs a value/);
  assert.match(String(parseInstructionOptions(['--fast'])), /unknown option/);
});

test("a callgrind dump's summary line is its instruction count", () => {
  const dump =
    'version: 1\ncreator: callgrind-3.19.0\npart: 1\nthread: 1\nevents: Ir\nsummary: 706355889\n\nfn=(1) main\n0 5\ntotals: 708262577\n';
  assert.equal(callgrindSummary(dump), 706355889);
  assert.equal(callgrindSummary('events: Ir\n'), undefined);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWrkOutput, wrkArgs } from './wrk.ts';

const report = `Running 10s test @ http://127.0.0.1:8080/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   520.11us  100.20us   3.00ms   90.00%
    Req/Sec    96.61k     2.00k  100.00k    70.00%
  961234 requests in 10.00s, 150.00MB read
  Socket errors: connect 0, read 2, write 1, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:  96123.40
Transfer/sec:     15.00MB
`;

test('wrk report: rate, total, errors', () => {
  assert.deepEqual(parseWrkOutput(report), {
    requestsPerSec: 96123.4,
    requests: 961234,
    non2xx3xx: 7,
    socketErrors: 6,
  });
});

test('a clean report has zero errors; garbage is an error value', () => {
  const clean = report.replace(/ {2}Socket errors.*\n/, '').replace(/ {2}Non-2xx.*\n/, '');
  const r = parseWrkOutput(clean);
  assert.ok(typeof r === 'object');
  assert.equal(r.non2xx3xx + r.socketErrors, 0);
  assert.match(String(parseWrkOutput('unable to connect to 127.0.0.1:1')), /unrecognised wrk output/);
});

test('wrk arguments', () => {
  assert.deepEqual(wrkArgs({ url: 'http://127.0.0.1:1/', threads: 1, connections: 50, durationS: 10 }), [
    '-t1',
    '-c50',
    '-d10s',
    'http://127.0.0.1:1/',
  ]);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LatencyResult } from '../lib/index.ts';
import type { TargetName } from './options.ts';
import { formatTable, perRoundLines, summarizeTarget, type TargetSamples, verdicts } from './report.ts';

function lat(p50: number, extra: Partial<LatencyResult> = {}): LatencyResult {
  return {
    rate: 1000,
    durationMs: 1000,
    connections: 4,
    scheduled: 1000,
    completed: 1000,
    errors: 0,
    unanswered: 0,
    non2xx: 0,
    achievedRps: 1000,
    latencyMs: { p50, p90: p50 * 2, p99: p50 * 4, p999: p50 * 8, max: p50 * 10 },
    sendLagMs: { p50: 0.5, p99: 1, max: 2 },
    serviceMs: { p50: p50 - 0.5, p99: p50 },
    ...extra,
  };
}

function samples(target: TargetName, rps: number[], p50: number[], cpuUs: number[] = []): TargetSamples {
  return {
    target,
    wrk: rps.map((r) => ({ requestsPerSec: r, requests: r * 10, non2xx3xx: 0, socketErrors: 0 })),
    latency: p50.map((p) => lat(p)),
    cpuUsPerRequest: cpuUs,
  };
}

test('medians across runs, and the goals: throughput vs nginx, added p50 vs nginx', () => {
  const sums = [
    summarizeTarget(samples('direct', [200, 180, 190], [0.6, 0.61, 0.59])),
    summarizeTarget(samples('weft', [85, 80, 90], [0.8, 0.7, 0.74], [25, 24, 30])),
    summarizeTarget(samples('nginx', [100, 99, 101], [0.7, 0.8, 0.72], [20, 19, 21])),
    summarizeTarget(samples('haproxy', [110, 120, 100], [0.65, 0.7, 0.7])),
  ];
  assert.equal(sums[1]!.rps, 85);
  assert.equal(sums[1]!.p50, 0.74);
  assert.equal(sums[1]!.cpuUs, 25);
  const v = verdicts(sums);
  const by = (n: string) => v.find((x) => x.name === n)!;
  assert.ok(Math.abs(by('throughput weft/nginx').value - 0.85) < 1e-9);
  assert.equal(by('throughput weft/nginx').pass, true);
  // added p50: weft 0.74-0.6 = 0.14, nginx 0.72-0.6 = 0.12 → 1.17, within the goal of 1.25
  assert.ok(Math.abs(by('added p50 weft/nginx').value - 0.14 / 0.12) < 1e-9);
  assert.equal(by('added p50 weft/nginx').pass, true);
  // CPU per request: nginx 20 µs, weft 25 µs → a busy core serves 0.8 × nginx's rate with weft.
  assert.ok(Math.abs(by('cpu-bound rps weft/nginx').value - 0.8) < 1e-9);
  assert.equal(by('cpu-bound rps weft/nginx').pass, undefined);
  const table = formatTable(sums, v, 1000);
  assert.match(table, /^weft\s+85\s+25\.0\s+0\.740\s+1\.480\s+2\.960\s+0\.140$/m);
  assert.match(table, /^direct\s+190\s+-\s+0\.600/m);
  assert.match(table, /throughput weft\/nginx\s+0\.85\s+goal >= 0\.8\s+PASS/);
});

test('a failing goal says FAIL; failed runs are problems, not numbers', () => {
  const sums = [
    summarizeTarget(samples('direct', [200], [0.6])),
    summarizeTarget({ target: 'weft', wrk: [{ error: 'not started: boom' }], latency: [] }),
    summarizeTarget(samples('nginx', [100], [0.7])),
  ];
  assert.ok(Number.isNaN(sums[1]!.rps));
  assert.deepEqual(sums[1]!.problems, ['wrk: not started: boom']);
  const v = verdicts(sums);
  assert.equal(v.find((x) => x.name === 'throughput weft/nginx')!.pass, undefined);
  const table = formatTable(sums, v, 1000);
  assert.match(table, /throughput weft\/nginx\s+n\/a .* n\/a/);
  assert.match(table, /! weft: wrk: not started: boom/);

  const slow = [
    summarizeTarget(samples('direct', [200], [0.6])),
    summarizeTarget({
      target: 'weft',
      wrk: samples('weft', [50], []).wrk,
      latency: [lat(1.0, { non2xx: 3 })],
    }),
    summarizeTarget(samples('nginx', [100], [0.7])),
  ];
  const vs = verdicts(slow);
  assert.equal(vs.find((x) => x.name === 'throughput weft/nginx')!.pass, false);
  assert.equal(vs.find((x) => x.name === 'added p50 weft/nginx')!.pass, false);
  assert.match(slow[1]!.problems[0]!, /3 of 1000 requests failed/);
});

test('no weft target, no verdicts', () => {
  assert.deepEqual(verdicts([summarizeTarget(samples('nginx', [1], [1]))]), []);
});

test('measurements taken while other processes loaded the machine are flagged', () => {
  const s = summarizeTarget({
    ...samples('nginx', [100, 90], [0.7, 0.7]),
    foreignCpu: [0.02, 0.35, 0.04, 0.2],
  });
  assert.equal(s.problems.length, 1);
  assert.match(s.problems[0]!, /more than 10% of the machine during 2 of 4 measurements \(up to 35%\)/);
  assert.deepEqual(summarizeTarget({ ...samples('nginx', [1], [1]), foreignCpu: [0.01] }).problems, []);
});

test("with node-floor measured, weft's CPU per request is compared with it (information)", () => {
  const sums = [
    summarizeTarget(samples('direct', [200], [0.6])),
    summarizeTarget(samples('weft', [80], [0.8], [25])),
    summarizeTarget(samples('nginx', [100], [0.75], [20])),
    summarizeTarget(samples('node-floor', [110], [0.72], [20])),
  ];
  const v = verdicts(sums).find((x) => x.name === 'cpu-bound rps weft/node-floor');
  assert.ok(v, 'the verdict is there');
  assert.equal(v.value, 0.8);
  assert.equal(v.pass, undefined);
  assert.equal(
    verdicts(sums.filter((s) => s.target !== 'node-floor')).some((x) => x.name.includes('node-floor')),
    false,
  );
});

test('with http-floor measured, weft and nginx are each compared with it (information)', () => {
  const sums = [
    summarizeTarget(samples('direct', [200], [0.6])),
    summarizeTarget(samples('weft', [80], [0.8], [25])),
    summarizeTarget(samples('nginx', [100], [0.75], [20])),
    summarizeTarget(samples('http-floor', [110], [0.72], [16])),
  ];
  const all = verdicts(sums);
  assert.equal(all.find((x) => x.name === 'cpu-bound rps weft/http-floor')?.value, 0.64);
  assert.equal(all.find((x) => x.name === 'cpu-bound rps http-floor/nginx')?.value, 1.25);
  assert.ok(all.filter((x) => x.name.includes('http-floor')).every((x) => x.pass === undefined));
  assert.equal(
    verdicts(sums.filter((s) => s.target !== 'http-floor')).some((x) => x.name.includes('http-floor')),
    false,
  );
});

test("each round's own goal ratios are listed, failed rounds left out", () => {
  const all = [
    samples('direct', [200, 190, 180], [0.6, 0.6, 0.6]),
    samples('weft', [80, 90, 70], [0.8, 0.7, 0.75]),
    samples('nginx', [100, 100, 100], [0.76, 0.68, 0.7]),
  ];
  assert.deepEqual(perRoundLines(all), [
    'by round: throughput weft/nginx 0.80 0.90 0.70 (median 0.80); added p50 weft/nginx 1.25 1.25 1.50 (median 1.25)',
  ]);
  all[1]!.latency[1] = { error: 'boom' };
  assert.match(perRoundLines(all)[0]!, /added p50 weft\/nginx 1\.25 1\.50 \(median 1\.38\)$/);
  assert.deepEqual(perRoundLines(all.slice(1)), [], 'no direct, no added latency');
});

test('added p50 comes from service times: a send lag that differs between runs does not move it', () => {
  // Direct's generator lagged 40 µs more than the proxies' (as measured on this project's VMs):
  // intended-time p50s carry that, service-time p50s do not.
  const withLag = (t: TargetName, service: number, lagP50: number): TargetSamples => ({
    target: t,
    wrk: [{ requestsPerSec: 100, requests: 1000, non2xx3xx: 0, socketErrors: 0 }],
    latency: [
      lat(service + lagP50, {
        sendLagMs: { p50: lagP50, p99: 1, max: 2 },
        serviceMs: { p50: service, p99: service * 3 },
      }),
    ],
  });
  const sums = [
    summarizeTarget(withLag('direct', 0.1, 0.54)),
    summarizeTarget(withLag('weft', 0.28, 0.5)),
    summarizeTarget(withLag('nginx', 0.25, 0.5)),
  ];
  const v = verdicts(sums);
  const by = (n: string) => v.find((x) => x.name === n)!;
  // Service: weft adds 0.18, nginx 0.15 → 1.2. Intended: 0.14 and 0.11 → 1.27, the lag's bias.
  assert.ok(Math.abs(by('added p50 weft/nginx').value - 1.2) < 1e-9);
  assert.equal(by('added p50 weft/nginx').pass, true);
  assert.ok(Math.abs(by('added p50 weft/nginx (intended)').value - 0.14 / 0.11) < 1e-9);
  assert.equal(by('added p50 weft/nginx (intended)').pass, undefined);
  const table = formatTable(sums, v, 1000);
  assert.match(table, /^weft\s+100\s+n\/a\s+0\.780\s+.*\s0\.180$/m);
  // Per round too: two rounds of the same figures give 1.20 each.
  const twice = (s: TargetSamples): TargetSamples => ({
    ...s,
    wrk: [...s.wrk, ...s.wrk],
    latency: [...s.latency, ...s.latency],
  });
  const rounds = perRoundLines([
    twice(withLag('direct', 0.1, 0.54)),
    twice(withLag('weft', 0.28, 0.5)),
    twice(withLag('nginx', 0.25, 0.5)),
  ]);
  assert.match(rounds[0]!, /added p50 weft\/nginx 1\.20 1\.20 \(median 1\.20\)$/);
});

// Outlier detection's ejection rules on an injected clock and mocked interval timer, checked
// against Envoy's DetectorImpl: the max_ejection_percent cap (the host about to be ejected counts),
// always_eject_one_host, the stats, and the ejection time growing with each ejection.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type { OutlierDetectionConfig } from '../../config/index.ts';
import { StatsStore } from '../../observe/index.ts';
import { OutlierDetector, type OutlierHost } from './index.ts';

const INTERVAL = 10;

const config = (extra: Partial<OutlierDetectionConfig> = {}): OutlierDetectionConfig => ({
  consecutive5xx: 3,
  consecutiveGatewayFailure: 5,
  consecutiveLocalOriginFailure: 5,
  intervalMs: INTERVAL,
  baseEjectionTimeMs: 100,
  maxEjectionTimeMs: 300_000,
  maxEjectionPercent: 10,
  alwaysEjectOneHost: false,
  enforcingConsecutive5xx: 100,
  enforcingConsecutiveGatewayFailure: 0,
  splitExternalLocalOriginErrors: false,
  enforcingSuccessRate: 100,
  successRateMinimumHosts: 5,
  successRateRequestVolume: 100,
  successRateStdevFactor: 1900,
  ...extra,
});

interface Rig {
  detector: OutlierDetector;
  hosts: OutlierHost[];
  stat(name: string): number;
  /** Moves the clock on, one interval at a time, firing the detector's sweep timer as it goes. */
  advance(ms: number): void;
  changes: number;
  /** Sends the host enough 500s to reach consecutive_5xx. */
  fail(i: number): void;
}

function rig(t: TestContext, n: number, cfg: OutlierDetectionConfig): Rig {
  t.mock.timers.enable({ apis: ['setInterval'] });
  let now = 1_000;
  const stats = new StatsStore();
  const hosts: OutlierHost[] = Array.from({ length: n }, () => ({
    outlier: undefined,
    outlierEjected: false,
  }));
  const r: Rig = {
    detector: undefined as unknown as OutlierDetector,
    hosts,
    changes: 0,
    stat(name) {
      const full = `cluster.c.outlier_detection.${name}`;
      return (
        stats.counters().find((c) => c.name === full)?.value ??
        stats.gauges().find((g) => g.name === full)?.value ??
        0
      );
    },
    advance(ms) {
      for (let done = 0; done < ms; done += INTERVAL) {
        now += INTERVAL;
        t.mock.timers.tick(INTERVAL);
      }
    },
    fail(i) {
      for (let k = 0; k < cfg.consecutive5xx; k++) hosts[i]!.outlier!.putHttpStatus(500);
    },
  };
  r.detector = new OutlierDetector(
    cfg,
    stats.scope('cluster.c.'),
    () => r.changes++,
    () => 0,
    () => now,
  );
  r.detector.setHosts(hosts);
  t.after(() => r.detector.close());
  return r;
}

const ejected = (r: Rig) => r.hosts.map((h) => h.outlierEjected);

test('the cap counts the host about to go: a third of four hosts overflows 50 %', (t) => {
  const r = rig(t, 4, config({ maxEjectionPercent: 50 }));
  r.fail(0);
  r.fail(1);
  assert.deepEqual(ejected(r), [true, true, false, false], '1/4 and 2/4 are within 50 %');
  r.fail(2);
  assert.deepEqual(ejected(r), [true, true, false, false], '3/4 would be 75 %');
  assert.equal(r.stat('ejections_overflow'), 1);
  assert.equal(r.stat('ejections_active'), 2);
  assert.equal(r.stat('ejections_enforced_total'), 2);
  assert.equal(r.stat('ejections_enforced_consecutive_5xx'), 2);
  assert.equal(r.stat('ejections_detected_consecutive_5xx'), 3);
  assert.equal(r.stat('ejections_total'), 2, 'the deprecated total counts allowed ejections only');
  assert.equal(r.stat('ejections_consecutive_5xx'), 3, 'the deprecated counter counts every detection');
  assert.equal(r.changes, 2);
});

test('the default 10 % with fewer than ten hosts ejects nothing', (t) => {
  const r = rig(t, 5, config());
  r.fail(0);
  assert.deepEqual(ejected(r), [false, false, false, false, false], '1/5 is 20 % > 10 %');
  assert.equal(r.stat('ejections_detected_consecutive_5xx'), 1);
  assert.equal(r.stat('ejections_overflow'), 1);
  assert.equal(r.stat('ejections_enforced_total'), 0);
  assert.equal(r.stat('ejections_active'), 0);
  assert.equal(r.changes, 0);
  // The counter was reset: three more 500s are a new detection, overflowing again.
  r.fail(0);
  assert.equal(r.stat('ejections_overflow'), 2);
});

test('the default 10 % with ten hosts: the first ejection fits, the second overflows', (t) => {
  const r = rig(t, 10, config());
  r.fail(3);
  r.fail(4);
  assert.equal(r.hosts[3]!.outlierEjected, true);
  assert.equal(r.hosts[4]!.outlierEjected, false);
  assert.equal(r.stat('ejections_active'), 1);
  assert.equal(r.stat('ejections_overflow'), 1);
});

test('always_eject_one_host lets the first ejection past the cap, not the second', (t) => {
  const r = rig(t, 5, config({ alwaysEjectOneHost: true }));
  r.fail(0);
  r.fail(1);
  assert.deepEqual(ejected(r), [true, false, false, false, false]);
  assert.equal(r.stat('ejections_enforced_total'), 1);
  assert.equal(r.stat('ejections_overflow'), 1);
});

test("one host and maxEjectionPercent 100 (Istio's circuit-breaking task): ejected", (t) => {
  const r = rig(t, 1, config({ maxEjectionPercent: 100, consecutive5xx: 1 }));
  r.fail(0);
  assert.deepEqual(ejected(r), [true]);
  assert.equal(r.stat('ejections_active'), 1);
  assert.equal(r.stat('ejections_overflow'), 0);
});

test('enforcing 0: detected, counted in the deprecated total, not ejected', (t) => {
  const r = rig(t, 2, config({ maxEjectionPercent: 100, enforcingConsecutive5xx: 0 }));
  r.fail(0);
  assert.deepEqual(ejected(r), [false, false]);
  assert.equal(r.stat('ejections_detected_consecutive_5xx'), 1);
  assert.equal(r.stat('ejections_total'), 1);
  assert.equal(r.stat('ejections_enforced_total'), 0);
  assert.equal(r.stat('ejections_overflow'), 0);
});

test('ejection time is base × times ejected, capped by max_ejection_time; back after it', (t) => {
  const r = rig(t, 2, config({ maxEjectionPercent: 50, baseEjectionTimeMs: 100, maxEjectionTimeMs: 250 }));
  // First ejection: 100 ms.
  r.fail(0);
  r.advance(90);
  assert.equal(r.hosts[0]!.outlierEjected, true);
  r.advance(10);
  assert.equal(r.hosts[0]!.outlierEjected, false, 'back after 100 ms');
  assert.equal(r.stat('ejections_active'), 0);
  // Failing again at once: 2 × 100 ms.
  r.fail(0);
  r.advance(190);
  assert.equal(r.hosts[0]!.outlierEjected, true, 'still out after 190 ms');
  r.advance(10);
  assert.equal(r.hosts[0]!.outlierEjected, false, 'back after 200 ms');
  // Third: 3 × 100 ms is capped at 250 ms.
  r.fail(0);
  r.advance(240);
  assert.equal(r.hosts[0]!.outlierEjected, true);
  r.advance(10);
  assert.equal(r.hosts[0]!.outlierEjected, false, 'back after 250 ms, the cap');
  assert.equal(r.stat('ejections_enforced_total'), 3);
  assert.equal(r.changes, 6, 'each ejection and each return rebuilt the balancer');
});

test('a returned host starts with clean counters', (t) => {
  const r = rig(t, 2, config({ maxEjectionPercent: 50, consecutiveGatewayFailure: 3 }));
  const h = r.hosts[0]!.outlier!;
  h.putHttpStatus(500);
  h.putHttpStatus(503);
  h.putHttpStatus(503); // third 5xx: ejected, with two gateway errors counted
  assert.equal(r.hosts[0]!.outlierEjected, true);
  // While ejected (reached only in panic) errors are not judged again.
  for (let i = 0; i < 4; i++) h.putHttpStatus(500);
  assert.equal(r.stat('ejections_detected_consecutive_5xx'), 1);
  r.advance(100);
  assert.equal(r.hosts[0]!.outlierEjected, false);
  h.putHttpStatus(503);
  assert.equal(r.stat('ejections_detected_consecutive_gateway_failure'), 0, 'the gateway run restarted');
  h.putHttpStatus(500);
  assert.equal(r.hosts[0]!.outlierEjected, false, 'two 5xx after the return are not three');
  h.putHttpStatus(500);
  assert.equal(r.hosts[0]!.outlierEjected, true);
  assert.equal(r.stat('ejections_detected_consecutive_5xx'), 2);
});

test('the multiplier loses a step per interval once the host has been back an interval', (t) => {
  const r = rig(t, 2, config({ maxEjectionPercent: 50, baseEjectionTimeMs: 100, maxEjectionTimeMs: 250 }));
  r.fail(0);
  r.advance(100);
  assert.equal(r.hosts[0]!.outlierEjected, false);
  r.advance(INTERVAL); // back for one interval: 1 → 0
  r.fail(0);
  r.advance(90);
  assert.equal(r.hosts[0]!.outlierEjected, true);
  r.advance(10);
  assert.equal(r.hosts[0]!.outlierEjected, false, 'a first-time ejection again: 100 ms, not 200');
});

test('the multiplier stops growing at the cap, so recovery takes a bounded number of intervals', (t) => {
  const r = rig(t, 2, config({ maxEjectionPercent: 50, baseEjectionTimeMs: 100, maxEjectionTimeMs: 250 }));
  // Six ejections in a row; the multiplier stops at 4 (4 × 100 ≥ 250 + 100).
  for (let i = 0; i < 6; i++) {
    r.fail(0);
    r.advance(i === 0 ? 100 : i === 1 ? 200 : 250);
    assert.equal(r.hosts[0]!.outlierEjected, false, `back after ejection ${i + 1}`);
  }
  r.advance(4 * INTERVAL); // four healthy sweeps: 4 → 0
  r.fail(0);
  r.advance(100);
  assert.equal(r.hosts[0]!.outlierEjected, false, 'back after 100 ms: the multiplier was 0 again');
  assert.equal(r.stat('ejections_enforced_total'), 7);
});

test('split_external_local_origin_errors: local failures count apart; a connection got ends their run', (t) => {
  const split = rig(
    t,
    2,
    config({
      maxEjectionPercent: 100,
      splitExternalLocalOriginErrors: true,
      consecutiveLocalOriginFailure: 2,
    }),
  );
  const sink = split.hosts[0]!.outlier!;
  // Without the split these would be three 503s and eject on consecutive_5xx (3): here they are
  // local-origin failures; an attempt that gets a connection restarts their count (Envoy's
  // LocalOriginConnectSuccess), a response does not.
  sink.putLocalFailure('connect');
  sink.putConnectSuccess();
  sink.putLocalFailure('reset');
  assert.deepEqual(ejected(split), [false, false]);
  sink.putHttpStatus(200);
  sink.putLocalFailure('timeout');
  assert.deepEqual(ejected(split), [true, false]);
  assert.equal(split.stat('ejections_detected_consecutive_local_origin_failure'), 1);
  assert.equal(split.stat('ejections_enforced_consecutive_local_origin_failure'), 1);
  assert.equal(split.stat('ejections_enforced_consecutive_5xx'), 0);
  // 5xx responses still count on their own in split mode.
  split.fail(1);
  assert.deepEqual(ejected(split), [true, true]);
  assert.equal(split.stat('ejections_enforced_consecutive_5xx'), 1);
});

test('without the split a failed connect counts as a 503 toward consecutive_5xx', (t) => {
  const r = rig(t, 2, config({ maxEjectionPercent: 100 }));
  for (let k = 0; k < 3; k++) r.hosts[0]!.outlier!.putLocalFailure('connect');
  assert.deepEqual(ejected(r), [true, false]);
  assert.equal(r.stat('ejections_enforced_consecutive_5xx'), 1);
  assert.equal(r.stat('ejections_detected_consecutive_local_origin_failure'), 0);
});

test('success rate: a host well below the others is ejected at the interval (Envoy defaults)', (t) => {
  // Six hosts, 100 responses each in the interval: five at 100 %, one at 60 %.
  const r = rig(t, 6, config({ maxEjectionPercent: 100, consecutive5xx: 1000 }));
  for (let i = 0; i < 6; i++)
    for (let k = 0; k < 100; k++) r.hosts[i]!.outlier!.putHttpStatus(i === 5 && k % 5 < 2 ? 503 : 200);
  assert.deepEqual(ejected(r), [false, false, false, false, false, false], 'nothing before the sweep');
  r.advance(INTERVAL);
  assert.deepEqual(ejected(r), [false, false, false, false, false, true]);
  assert.equal(r.stat('ejections_detected_success_rate'), 1);
  assert.equal(r.stat('ejections_enforced_success_rate'), 1);
  assert.equal(r.stat('ejections_success_rate'), 1);
  // The next interval starts from zero: no new ejection without new traffic.
  r.advance(INTERVAL);
  assert.equal(r.stat('ejections_detected_success_rate'), 1);
});

/** `perHost` responses from each of the first `hosts` hosts; host 0 fails every other one. */
function srTraffic(r: Rig, hosts: number, perHost: number): void {
  for (let i = 0; i < hosts; i++)
    for (let k = 0; k < perHost; k++) r.hosts[i]!.outlier!.putHttpStatus(i === 0 && k % 2 === 0 ? 500 : 200);
}

test('success rate: fewer than success_rate_minimum_hosts (5) with enough requests judges nothing', (t) => {
  const r = rig(t, 6, config({ maxEjectionPercent: 100, consecutive5xx: 1000 }));
  srTraffic(r, 4, 100);
  r.advance(INTERVAL);
  assert.equal(r.stat('ejections_detected_success_rate'), 0);
});

test('success rate: under success_rate_request_volume (100) a host is not rated', (t) => {
  const r = rig(t, 6, config({ maxEjectionPercent: 100, consecutive5xx: 1000 }));
  srTraffic(r, 5, 99);
  r.advance(INTERVAL);
  assert.equal(r.stat('ejections_detected_success_rate'), 0);
});

test('success rate with enforcing_success_rate 0 (as Istio sets it): detected, not ejected', (t) => {
  const r = rig(t, 6, config({ maxEjectionPercent: 100, consecutive5xx: 1000, enforcingSuccessRate: 0 }));
  srTraffic(r, 5, 100);
  r.advance(INTERVAL);
  assert.equal(r.stat('ejections_detected_success_rate'), 1);
  assert.equal(r.stat('ejections_enforced_success_rate'), 0);
  assert.deepEqual(ejected(r), [false, false, false, false, false, false]);
});

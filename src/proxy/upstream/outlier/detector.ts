// Envoy's outlier detection for one cluster, consecutive-error flavours: each host's monitor counts
// consecutive 5xx and consecutive gateway failures (502/503/504). With
// split_external_local_origin_errors off, a failed connect or reset counts as 503 and a timeout as
// 504; with it on, they count apart as consecutive local-origin failures, judged by
// consecutive_local_origin_failure and ended by an attempt that gets a connection. Reaching a
// threshold ejects the host at once, as Envoy's DetectorImpl::ejectHost does: only if (ejected + 1) / hosts × 100 ≤
// max_ejection_percent (else ejections_overflow), or if always_eject_one_host is set and none is
// ejected; then only with the enforcing_* chance. A sweep every `interval` brings hosts back once
// base_ejection_time × times-ejected (capped by max_ejection_time) has passed. The cluster skips
// ejected hosts when it builds its load balancer.
import type { OutlierDetectionConfig } from '../../config/index.ts';
import type { Counter, Gauge, StatsScope } from '../../observe/index.ts';

/** What the data path reports per attempt; hosts carry it as `host.outlier`. */
export interface HostOutlierSink {
  /** A response head from the host. */
  putHttpStatus(status: number): void;
  /** The attempt failed locally: no connection, reset before a response, or a timeout. */
  putLocalFailure(kind: 'connect' | 'reset' | 'timeout'): void;
  /** The attempt got a connection (Envoy's LocalOriginConnectSuccess, reported by onPoolReady). */
  putConnectSuccess(): void;
}

/** The host fields the detector drives (Host implements them). */
export interface OutlierHost {
  outlier: HostOutlierSink | undefined;
  outlierEjected: boolean;
}

type EjectionKind = '5xx' | 'gateway' | 'local' | 'success_rate';

/** Each kind's ejections_detected_<name> / ejections_enforced_<name> counters use this name. */
const KIND_STAT_NAME: Record<EjectionKind, string> = {
  '5xx': 'consecutive_5xx',
  gateway: 'consecutive_gateway_failure',
  local: 'consecutive_local_origin_failure',
  success_rate: 'success_rate',
};

interface OutlierStats {
  ejectionsActive: Gauge;
  ejectionsEnforcedTotal: Counter;
  ejectionsOverflow: Counter;
  ejectionsTotal: Counter;
  ejectionsConsecutive5xx: Counter;
  ejectionsSuccessRate: Counter;
  detected: Record<EjectionKind, Counter>;
  enforced: Record<EjectionKind, Counter>;
}

function bindStats(scope: StatsScope): OutlierStats {
  const s = scope.scope('outlier_detection.');
  const perKind = (prefix: string) =>
    Object.fromEntries(
      Object.entries(KIND_STAT_NAME).map(([kind, name]) => [kind, s.counter(`${prefix}_${name}`)]),
    ) as Record<EjectionKind, Counter>;
  return {
    ejectionsActive: s.gauge('ejections_active'),
    ejectionsEnforcedTotal: s.counter('ejections_enforced_total'),
    ejectionsOverflow: s.counter('ejections_overflow'),
    ejectionsTotal: s.counter('ejections_total'),
    ejectionsConsecutive5xx: s.counter('ejections_consecutive_5xx'),
    ejectionsSuccessRate: s.counter('ejections_success_rate'),
    detected: perKind('ejections_detected'),
    enforced: perKind('ejections_enforced'),
  };
}

class HostMonitor implements HostOutlierSink {
  readonly host: OutlierHost;
  private readonly detector: OutlierDetector;
  consecutive5xx = 0;
  consecutiveGateway = 0;
  /** Consecutive local-origin failures, counted only with split_external_local_origin_errors. */
  consecutiveLocal = 0;
  /** Responses (external origin) in the current interval, and those under 500: the success rate. */
  intervalRequests = 0;
  intervalSuccesses = 0;
  /** The ejection-time multiplier (Envoy's ejectTimeBackoff): +1 per ejection up to a cap, −1 per healthy interval. */
  ejections = 0;
  ejectedAtMs = 0;
  lastUnejectedMs = 0;

  constructor(detector: OutlierDetector, host: OutlierHost) {
    this.detector = detector;
    this.host = host;
  }

  putHttpStatus(status: number): void {
    this.intervalRequests++;
    if (status < 500) {
      this.intervalSuccesses++;
      this.consecutive5xx = 0;
      this.consecutiveGateway = 0;
      return;
    }
    const cfg = this.detector.config;
    if (status >= 502 && status <= 504) {
      if (++this.consecutiveGateway === cfg.consecutiveGatewayFailure) {
        this.detector.onThreshold(this, 'gateway');
      }
    } else this.consecutiveGateway = 0;
    if (++this.consecutive5xx === cfg.consecutive5xx) this.detector.onThreshold(this, '5xx');
  }

  /**
   * Ends a run of local-origin failures in split mode, as Envoy does on every attempt that gets a
   * connection; without the split, Envoy maps it to no HTTP code and it counts for nothing.
   */
  putConnectSuccess(): void {
    this.consecutiveLocal = 0;
  }

  putLocalFailure(kind: 'connect' | 'reset' | 'timeout'): void {
    const cfg = this.detector.config;
    if (!cfg.splitExternalLocalOriginErrors) {
      this.putHttpStatus(kind === 'timeout' ? 504 : 503);
      return;
    }
    if (++this.consecutiveLocal === cfg.consecutiveLocalOriginFailure)
      this.detector.onThreshold(this, 'local');
  }
}

export class OutlierDetector {
  config: OutlierDetectionConfig;
  private readonly stats: OutlierStats;
  private readonly onChange: () => void;
  private readonly random: () => number;
  /** Monotonic milliseconds; injected by tests. */
  private readonly now: () => number;
  private monitors: HostMonitor[] = [];
  private timer: NodeJS.Timeout | undefined;
  private active = 0;

  constructor(
    config: OutlierDetectionConfig,
    scope: StatsScope,
    onChange: () => void,
    random: () => number = Math.random,
    now: () => number = () => performance.now(),
  ) {
    this.config = config;
    this.stats = bindStats(scope);
    this.onChange = onChange;
    this.random = random;
    this.now = now;
    this.startTimer();
  }

  /** A new config for the same cluster: counts and ejections carry over. */
  setConfig(config: OutlierDetectionConfig): void {
    const intervalChanged = config.intervalMs !== this.config.intervalMs;
    this.config = config;
    if (intervalChanged) this.startTimer();
  }

  /** The cluster's hosts after an update: new ones get a monitor, gone ones are forgotten. */
  setHosts(hosts: readonly OutlierHost[]): void {
    const kept = new Set<OutlierHost>(hosts);
    for (const m of this.monitors) {
      if (!kept.has(m.host) && m.host.outlierEjected) {
        m.host.outlierEjected = false;
        this.active--;
      }
    }
    const next: HostMonitor[] = [];
    for (const h of hosts) {
      const existing = h.outlier instanceof HostMonitor ? h.outlier : undefined;
      const m = existing ?? new HostMonitor(this, h);
      h.outlier = m;
      next.push(m);
    }
    this.monitors = next;
    this.stats.ejectionsActive.set(this.active);
  }

  /** @internal from HostMonitor: a consecutive-error threshold was reached. */
  onThreshold(m: HostMonitor, kind: EjectionKind): void {
    // A host already ejected (reached only in panic) is not judged again: no stats, and its
    // counters run on past the threshold until a success or its return resets them, as in Envoy.
    if (m.host.outlierEjected) return;
    this.stats.detected[kind].inc();
    this.eject(m, kind);
    if (kind === '5xx') {
      this.stats.ejectionsConsecutive5xx.inc(); // deprecated: counted even when not ejected
      m.consecutive5xx = 0;
    } else if (kind === 'gateway') m.consecutiveGateway = 0;
    else m.consecutiveLocal = 0;
  }

  /** enforcing_*: the percentage of a kind's ejections that are carried out. */
  private enforcing(kind: EjectionKind): number {
    const cfg = this.config;
    switch (kind) {
      case '5xx':
        return cfg.enforcingConsecutive5xx;
      case 'gateway':
        return cfg.enforcingConsecutiveGatewayFailure;
      case 'success_rate':
        return cfg.enforcingSuccessRate;
      case 'local':
        // enforcing_consecutive_local_origin_failure: only Envoy's default, 100, is accepted.
        return 100;
    }
  }

  private eject(m: HostMonitor, kind: EjectionKind): void {
    const s = this.stats;
    const cfg = this.config;
    // max_ejection_percent counts the host about to go: with the default 10 % and fewer than ten
    // hosts nothing is ejected, unless always_eject_one_host lets the first ejection through.
    const percent = (100 * (this.active + 1)) / this.monitors.length;
    const allowed =
      percent <= Math.min(100, cfg.maxEjectionPercent) || (cfg.alwaysEjectOneHost && this.active === 0);
    if (!allowed) {
      s.ejectionsOverflow.inc();
      return;
    }
    // Deprecated: 5xx and success-rate ejections allowed, enforced or not (as Envoy counts it).
    if (kind === '5xx' || kind === 'success_rate') s.ejectionsTotal.inc();
    if (this.random() * 100 >= this.enforcing(kind)) return;
    m.host.outlierEjected = true;
    // The multiplier stops growing once base × it passes max_ejection_time + base (Envoy's cap), so a
    // flapping host needs no more healthy intervals to recover than the cap implies.
    if (m.ejections * cfg.baseEjectionTimeMs < ejectionCap(cfg) + cfg.baseEjectionTimeMs) m.ejections++;
    m.ejectedAtMs = this.now();
    this.active++;
    s.ejectionsActive.set(this.active);
    s.ejectionsEnforcedTotal.inc();
    s.enforced[kind].inc();
    this.onChange();
  }

  /**
   * The interval sweep: ejections that served their time end; a host back for at least an
   * interval loses one step of its multiplier at every sweep (Envoy's onIntervalTimer).
   */
  sweep(now = this.now()): void {
    const cfg = this.config;
    const cap = ejectionCap(cfg);
    let changed = false;
    for (const m of this.monitors) {
      if (m.host.outlierEjected) {
        const ejectFor = Math.min(cfg.baseEjectionTimeMs * m.ejections, cap);
        if (now - m.ejectedAtMs >= ejectFor) {
          m.host.outlierEjected = false;
          // Back with clean counters, so a few new errors do not eject it again at once.
          m.consecutive5xx = 0;
          m.consecutiveGateway = 0;
          m.consecutiveLocal = 0;
          m.lastUnejectedMs = now;
          this.active--;
          changed = true;
        }
      } else if (m.ejections > 0 && now - m.lastUnejectedMs >= cfg.intervalMs) {
        m.ejections--;
      }
    }
    // Ejections there update the gauge and the load balancer themselves (eject()).
    this.successRateEjections();
    for (const m of this.monitors) {
      m.intervalRequests = 0;
      m.intervalSuccesses = 0;
    }
    if (changed) {
      this.stats.ejectionsActive.set(this.active);
      this.onChange();
    }
  }

  /**
   * Envoy's success-rate ejection, once per interval: among hosts not ejected with at least
   * success_rate_request_volume responses in the interval — when there are
   * success_rate_minimum_hosts of them — a host whose success rate is below
   * mean − stdev_factor/1000 × standard deviation is ejected (enforcing_success_rate of the time).
   */
  private successRateEjections(): void {
    const cfg = this.config;
    const rated: [HostMonitor, number][] = [];
    let sum = 0;
    for (const m of this.monitors) {
      if (m.host.outlierEjected || m.intervalRequests < cfg.successRateRequestVolume) continue;
      const rate = (100 * m.intervalSuccesses) / m.intervalRequests;
      rated.push([m, rate]);
      sum += rate;
    }
    if (rated.length === 0 || rated.length < cfg.successRateMinimumHosts) return;
    const mean = sum / rated.length;
    let variance = 0;
    for (const [, rate] of rated) variance += (rate - mean) ** 2;
    const threshold = mean - (cfg.successRateStdevFactor / 1000) * Math.sqrt(variance / rated.length);
    for (const [m, rate] of rated) {
      if (rate >= threshold) continue;
      this.stats.ejectionsSuccessRate.inc(); // deprecated
      this.stats.detected.success_rate.inc();
      this.eject(m, 'success_rate');
    }
  }

  /** Stops the sweep and brings every host back (outlier detection removed, or the cluster). */
  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    for (const m of this.monitors) {
      m.host.outlierEjected = false;
      m.host.outlier = undefined;
    }
    this.monitors = [];
    this.active = 0;
    this.stats.ejectionsActive.set(0);
  }

  private startTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = setInterval(() => this.sweep(), this.config.intervalMs);
    this.timer.unref();
  }
}

/** max_ejection_time, which Envoy never lets be below base_ejection_time. */
const ejectionCap = (cfg: OutlierDetectionConfig): number =>
  Math.max(cfg.maxEjectionTimeMs, cfg.baseEjectionTimeMs);

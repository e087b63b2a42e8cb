// Pilot's Prometheus metrics under Istio's names. Push and NACK counts are folded in from the ADS
// server's per-proxy status (sampled after every push cycle and on every scrape), so the ADS server
// needs no metrics hooks of its own.
import type { ProxyStatus } from '../xds/index.ts';

/** Istio's buckets for pilot_proxy_convergence_time, in seconds. */
const CONVERGENCE_BUCKETS = [0.1, 0.5, 1, 3, 5, 10, 20, 30];

export interface GaugeValues {
  connectedProxies: number;
  services: number;
  configVersion: number;
}

export class PilotMetrics {
  private readonly pushes = new Map<string, number>();
  private rejects = 0;
  /** connectionId → type → responses sent when last sampled. */
  private readonly seenSent = new Map<string, Map<string, number>>();
  /** NACK nonces already counted, per connection and type. */
  private readonly seenNack = new Map<string, string>();
  private readonly bucketCounts = CONVERGENCE_BUCKETS.map(() => 0);
  private convergenceSum = 0;
  private convergenceCount = 0;

  /**
   * Folds new responses and NACKs into the counters; returns how many proxies received at least
   * one response since the previous sample.
   */
  sample(status: readonly ProxyStatus[]): number {
    let proxiesPushed = 0;
    const alive = new Set<string>();
    for (const proxy of status) {
      alive.add(proxy.connectionId);
      let seen = this.seenSent.get(proxy.connectionId);
      if (!seen) this.seenSent.set(proxy.connectionId, (seen = new Map()));
      let pushed = false;
      for (const t of proxy.types) {
        const delta = t.responsesSent - (seen.get(t.type) ?? 0);
        if (delta > 0) {
          this.pushes.set(t.type, (this.pushes.get(t.type) ?? 0) + delta);
          seen.set(t.type, t.responsesSent);
          pushed = true;
        }
        const nackKey = `${proxy.connectionId}\0${t.type}`;
        if (t.lastNack && this.seenNack.get(nackKey) !== t.lastNack.nonce) {
          this.seenNack.set(nackKey, t.lastNack.nonce);
          this.rejects++;
        }
      }
      if (pushed) proxiesPushed++;
    }
    for (const id of this.seenSent.keys()) if (!alive.has(id)) this.seenSent.delete(id);
    for (const key of this.seenNack.keys()) if (!alive.has(key.split('\0')[0]!)) this.seenNack.delete(key);
    return proxiesPushed;
  }

  observeConvergence(seconds: number, times = 1): void {
    for (let i = 0; i < CONVERGENCE_BUCKETS.length; i++)
      if (seconds <= CONVERGENCE_BUCKETS[i]!) this.bucketCounts[i]! += times;
    this.convergenceSum += seconds * times;
    this.convergenceCount += times;
  }

  pushCount(type: string): number {
    return this.pushes.get(type) ?? 0;
  }

  rejectCount(): number {
    return this.rejects;
  }

  render(g: GaugeValues): string {
    const lines: string[] = [];
    const head = (name: string, type: string, help: string): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    head('pilot_xds', 'gauge', 'Proxies with an open ADS stream to this pilot.');
    lines.push(`pilot_xds ${g.connectedProxies}`);
    head('pilot_xds_pushes', 'counter', 'xDS responses sent to proxies, by resource type.');
    for (const type of ['cds', 'eds', 'lds', 'rds']) {
      lines.push(`pilot_xds_pushes{type="${type}"} ${this.pushes.get(type.toUpperCase()) ?? 0}`);
    }
    head('pilot_total_xds_rejects', 'counter', 'xDS responses proxies answered with a NACK.');
    lines.push(`pilot_total_xds_rejects ${this.rejects}`);
    head(
      'pilot_proxy_convergence_time',
      'histogram',
      'Seconds from a config change to the push that carried it to a proxy.',
    );
    CONVERGENCE_BUCKETS.forEach((le, i) => {
      lines.push(`pilot_proxy_convergence_time_bucket{le="${le}"} ${this.bucketCounts[i]}`);
    });
    lines.push(`pilot_proxy_convergence_time_bucket{le="+Inf"} ${this.convergenceCount}`);
    lines.push(`pilot_proxy_convergence_time_sum ${this.convergenceSum}`);
    lines.push(`pilot_proxy_convergence_time_count ${this.convergenceCount}`);
    head('pilot_services', 'gauge', 'Services in the registry.');
    lines.push(`pilot_services ${g.services}`);
    head('weft_pilot_config_version', 'gauge', 'Version of the config store pilot last pushed.');
    lines.push(`weft_pilot_config_version ${g.configVersion}`);
    head('process_resident_memory_bytes', 'gauge', 'Resident set size of the pilot process.');
    lines.push(`process_resident_memory_bytes ${process.memoryUsage.rss()}`);
    head(
      'process_start_time_seconds',
      'gauge',
      'When the pilot process started, in seconds since the epoch.',
    );
    lines.push(`process_start_time_seconds ${Math.floor(Date.now() / 1000 - process.uptime())}`);
    return lines.join('\n') + '\n';
  }
}

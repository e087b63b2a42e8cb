// Envoy's /clusters output: per cluster its circuit-breaker thresholds and per host its counters,
// health, weight and locality as 'cluster::host::name::value' lines, or the JSON form.

import type { UpstreamCluster, UpstreamHost } from '../upstream/index.ts';

function healthFlags(h: UpstreamHost): string {
  if (h.outlierEjected)
    return h.health === 'HEALTHY' || h.health === 'UNKNOWN'
      ? '/failed_outlier_check'
      : `/failed_outlier_check${edsFlags(h)}`;
  return edsFlags(h);
}

function edsHealth(h: UpstreamHost): string {
  return h.health === 'UNKNOWN' ? 'HEALTHY' : h.health;
}

function edsFlags(h: UpstreamHost): string {
  switch (h.health) {
    case 'UNHEALTHY':
    case 'TIMEOUT':
      return '/failed_eds_health';
    case 'DEGRADED':
      return '/degraded_eds_health';
    case 'DRAINING':
      return '/eds_status_draining';
    default:
      return 'healthy';
  }
}

/** Envoy's thresholds for HIGH priority when the cluster sets none (the same as DEFAULT's). */
const HIGH_DEFAULTS = { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 };

function highThresholdsJson(t: typeof HIGH_DEFAULTS): Record<string, unknown> {
  return {
    priority: 'HIGH',
    max_connections: t.maxConnections,
    max_pending_requests: t.maxPendingRequests,
    max_requests: t.maxRequests,
    max_retries: t.maxRetries,
  };
}

export function renderClustersText(clusters: readonly UpstreamCluster[]): string {
  let out = '';
  for (const c of clusters) {
    const n = c.name;
    const cb = c.circuitBreakers;
    out += `${n}::observability_name::${c.config.altStatName ?? n}\n`;
    const high = c.config.circuitBreakers.highPriority ?? HIGH_DEFAULTS;
    const thresholds: [string, number, number, number, number][] = [
      [
        'default_priority',
        cb.max('connections'),
        cb.max('pending_requests'),
        cb.max('requests'),
        cb.max('retries'),
      ],
      ['high_priority', high.maxConnections, high.maxPendingRequests, high.maxRequests, high.maxRetries],
    ];
    for (const [priority, cx, pending, rq, retries] of thresholds) {
      out += `${n}::${priority}::max_connections::${cx}\n`;
      out += `${n}::${priority}::max_pending_requests::${pending}\n`;
      out += `${n}::${priority}::max_requests::${rq}\n`;
      out += `${n}::${priority}::max_retries::${retries}\n`;
    }
    out += `${n}::added_via_api::true\n`;
    for (const h of c.hosts) {
      const p = `${n}::${h.addressText}::`;
      const s = h.stats;
      out += `${p}cx_active::${s.cxActive}\n${p}cx_connect_fail::${s.cxConnectFail}\n${p}cx_total::${s.cxTotal}\n`;
      out += `${p}rq_active::${s.rqActive}\n${p}rq_error::${s.rqError}\n${p}rq_success::${s.rqSuccess}\n`;
      out += `${p}rq_timeout::${s.rqTimeout}\n${p}rq_total::${s.rqTotal}\n`;
      out += `${p}hostname::${h.hostname}\n${p}health_flags::${healthFlags(h)}\n${p}weight::${h.weight}\n`;
      out += `${p}region::${h.locality.region}\n${p}zone::${h.locality.zone}\n${p}sub_zone::${h.locality.subZone}\n`;
      out += `${p}canary::false\n${p}priority::${h.priority}\n`;
      out += `${p}success_rate::-1\n${p}local_origin_success_rate::-1\n`;
    }
  }
  return out;
}

export function renderClustersJson(clusters: readonly UpstreamCluster[]): string {
  const cluster_statuses = clusters.map((c) => ({
    name: c.name,
    observability_name: c.config.altStatName ?? c.name,
    added_via_api: true,
    circuit_breakers: {
      thresholds: [
        {
          max_connections: c.circuitBreakers.max('connections'),
          max_pending_requests: c.circuitBreakers.max('pending_requests'),
          max_requests: c.circuitBreakers.max('requests'),
          max_retries: c.circuitBreakers.max('retries'),
        },
        highThresholdsJson(c.config.circuitBreakers.highPriority ?? HIGH_DEFAULTS),
      ],
    },
    host_statuses: c.hosts.map((h) => {
      const [address, port] = [h.address.host, h.address.port];
      const s = h.stats;
      return {
        address: { socket_address: { address, port_value: port } },
        stats: [
          ['cx_connect_fail', s.cxConnectFail],
          ['cx_total', s.cxTotal],
          ['rq_error', s.rqError],
          ['rq_success', s.rqSuccess],
          ['rq_timeout', s.rqTimeout],
          ['rq_total', s.rqTotal],
          ['cx_active', s.cxActive, 'GAUGE'],
          ['rq_active', s.rqActive, 'GAUGE'],
        ].map(([name, value, type]) =>
          type ? { type, name, value: String(value) } : { name, value: String(value) },
        ),
        // Envoy's HostHealthStatus: failed_outlier_check only when ejected (proto3 JSON omits
        // false); an endpoint given no health status (UNKNOWN) is reported HEALTHY, as Envoy does.
        health_status: h.outlierEjected
          ? { failed_outlier_check: true, eds_health_status: edsHealth(h) }
          : { eds_health_status: edsHealth(h) },
        weight: h.weight,
        hostname: h.hostname,
        locality: { region: h.locality.region, zone: h.locality.zone, sub_zone: h.locality.subZone },
        priority: h.priority,
      };
    }),
  }));
  return JSON.stringify({ cluster_statuses }, null, 1) + '\n';
}

// Configuration files for the benchmark's servers, as pure functions of ports and paths. Every
// server gets its own temp dir for pid, logs and temp files, so nothing touches system paths.
import { stringify } from 'yaml';

/** The upstream: one nginx worker answering `200 ok` to everything, with keep-alive kept open. */
export function upstreamNginxConf(dir: string, port: number): string {
  return `# weft bench upstream: a fast fixed 2-byte response
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type text/plain;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  server {
    listen 127.0.0.1:${port} reuseport;
    location / { return 200 "ok"; }
  }
}
`;
}

/**
 * nginx as the reverse proxy under comparison: one worker, HTTP/1.1 keep-alive towards clients and
 * a keep-alive pool towards the upstream (`keepalive` + `proxy_http_version 1.1` + an empty
 * Connection header, which is what nginx needs to reuse upstream connections).
 */
export function proxyNginxConf(dir: string, port: number, upstreamPort: number): string {
  return `# weft bench: nginx as the reference proxy
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  upstream bench_upstream {
    server 127.0.0.1:${upstreamPort};
    keepalive 128;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering on;
    }
  }
}
`;
}

/** HAProxy as the other reference: one thread, keep-alive on both sides, `http-reuse always`. */
export function haproxyConf(port: number, upstreamPort: number): string {
  return `# weft bench: haproxy as the reference proxy
global
  nbthread 1
  maxconn 4096

defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 300s
  timeout server 300s
  timeout http-keep-alive 300s

frontend bench
  bind 127.0.0.1:${port}
  default_backend bench_upstream

backend bench_upstream
  server upstream 127.0.0.1:${upstreamPort}
`;
}

const HCM_TYPE =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

function socketAddress(port: number): Record<string, unknown> {
  return { socket_address: { address: '127.0.0.1', port_value: port } };
}

function staticCluster(name: string, upstreamPort: number): Record<string, unknown> {
  return {
    name,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(upstreamPort) } }] }],
    },
  };
}

export interface WeftBootstrapOptions {
  listenPort: number;
  adminPort: number;
  upstreamPort: number;
  /**
   * Number of virtual hosts, each with its own domain and cluster (all pointing at the upstream).
   * The last one matches "*", so traffic to any Host reaches the upstream.
   */
  virtualHosts: number;
}

/**
 * An Envoy v3 bootstrap (static_resources: one HTTP listener with an inline route table, STATIC
 * clusters) for `weft proxy --bootstrap`. It uses only fields Envoy documents, so the same file
 * also runs under Envoy.
 */
export function weftBootstrap(o: WeftBootstrapOptions): Record<string, unknown> {
  if (!Number.isInteger(o.virtualHosts) || o.virtualHosts < 1) {
    throw new RangeError(`virtualHosts must be a positive integer, got ${o.virtualHosts}`);
  }
  const virtualHosts: Record<string, unknown>[] = [];
  const clusters: Record<string, unknown>[] = [];
  for (let i = 0; i < o.virtualHosts; i++) {
    const last = i === o.virtualHosts - 1;
    const cluster = o.virtualHosts === 1 ? 'bench_upstream' : `bench_upstream_${i}`;
    virtualHosts.push({
      name: o.virtualHosts === 1 ? 'bench' : `bench_${i}`,
      domains: last ? ['*'] : [`svc-${i}.bench.local`, `svc-${i}.bench.local:*`],
      routes: [{ match: { prefix: '/' }, route: { cluster } }],
    });
    clusters.push(staticCluster(cluster, o.upstreamPort));
  }
  return {
    node: { id: 'weft-bench', cluster: 'weft-bench' },
    admin: { address: socketAddress(o.adminPort) },
    static_resources: {
      listeners: [
        {
          name: 'bench_http',
          address: socketAddress(o.listenPort),
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type': HCM_TYPE,
                    stat_prefix: 'bench',
                    route_config: { name: 'bench_routes', virtual_hosts: virtualHosts },
                    http_filters: [
                      { name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER_TYPE } },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters,
    },
  };
}

export function weftBootstrapYaml(o: WeftBootstrapOptions): string {
  return stringify(weftBootstrap(o));
}

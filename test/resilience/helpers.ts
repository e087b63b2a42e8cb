// Shared pieces of the resilience tests: a proxy with one HTTP listener over a route config built
// in the test, HTTP/1.1 origins on node:net that count what they receive, and a one-shot client.
import { request as httpRequest } from 'node:http';
import type {
  ClusterConfig,
  HttpConnectionManagerConfig,
  HttpFilterConfig,
  RouteEntryConfig,
  VirtualHostConfig,
} from '../../src/proxy/config/index.ts';
import { type ProxyHandle, startProxy } from '../../src/proxy/index.ts';
import { chain, hcm, httpOrigin, listener, routeConfig, snapshot } from '../proxy/harness.ts';

export interface Started {
  proxy: ProxyHandle;
  port: number;
}

export async function start(
  t: { after(fn: () => unknown): void },
  routes: RouteEntryConfig[],
  clusters: ClusterConfig[],
  filters: HttpFilterConfig[] = [],
  vhost: Partial<VirtualHostConfig> = {},
  hcmExtra: Partial<HttpConnectionManagerConfig> = {},
): Promise<Started> {
  const rc = routeConfig(routes);
  rc.virtualHosts[0] = { ...rc.virtualHosts[0]!, ...vhost };
  const h = hcm(rc, {
    httpFilters: [...filters, { name: 'envoy.filters.http.router', config: {} }],
    ...hcmExtra,
  });
  const proxy = await startProxy({ snapshot: snapshot([listener('http', [chain(h)])], clusters, true) });
  t.after(() => proxy.close());
  return { proxy, port: proxy.addresses().get('http')!.port };
}

export interface Origin {
  port: number;
  heads: string[];
  close(): Promise<void>;
}

/** An origin answering `status(n)` to its n-th request (0-based), with body `body`. */
export async function origin(
  t: { after(fn: () => unknown): void },
  status: (n: number, head: string) => number,
  body = 'ok',
): Promise<Origin> {
  let n = 0;
  const o = await httpOrigin((head) => {
    const s = status(n++, head);
    return `HTTP/1.1 ${s} X\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  });
  t.after(() => o.close());
  return o;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

/** One request through the proxy on a fresh connection (node:http client; loopback only). */
export function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: string,
): Promise<Reply> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method, headers: { host: 'a:9080', ...headers }, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('latin1');
        res.on('data', (d) => (text += d));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: text, ms: performance.now() - t0 }),
        );
      },
    );
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

export function counter(p: ProxyHandle, name: string): number {
  return p.stats.counters().find((c) => c.name === name)?.value ?? 0;
}

export function gauge(p: ProxyHandle, name: string): number {
  return p.stats.gauges().find((c) => c.name === name)?.value ?? 0;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

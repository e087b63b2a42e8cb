// The admin server on the bootstrap's admin address (Envoy's admin interface, and the readiness
// endpoint Istio's agent serves on 15021). node:http is fine here: this is not the request path.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderPrometheus, renderStatsJson, renderStatsText, type StatsStore } from '../observe/index.ts';
import type { ClusterManager } from '../upstream/index.ts';
import { renderClustersJson, renderClustersText } from './clusters-text.ts';

export interface ServerInfo {
  version: string;
  state: 'LIVE' | 'DRAINING' | 'PRE_INITIALIZING' | 'INITIALIZING';
  uptimeSeconds: number;
  nodeId: string;
  cluster: string;
}

export interface AdminProvider {
  /** The /config_dump body, or `{ error }` (404); `query` carries Envoy's include_eds, resource, mask. */
  configDump(query: URLSearchParams): unknown;
  stats: StatsStore;
  clusters: ClusterManager;
  listeners(): { name: string; address: string }[];
  ready(): boolean;
  serverInfo(): ServerInfo;
  shutdown(): void;
}

export interface AdminServer {
  /** The bound address (port resolved when 0 was asked). */
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

interface Reply {
  status: number;
  type: 'text/plain; charset=UTF-8' | 'application/json' | 'text/plain; version=0.0.4';
  body: string;
}

const text = (body: string, status = 200): Reply => ({ status, type: 'text/plain; charset=UTF-8', body });
const json = (body: string, status = 200): Reply => ({ status, type: 'application/json', body });

const ENDPOINTS: readonly [string, string][] = [
  ['/', 'this list of admin endpoints'],
  ['/clusters', 'upstream cluster status (?format=json)'],
  ['/config_dump', 'dump current proxy configuration'],
  ['/healthz/ready', 'readiness probe (200 when ready, else 503)'],
  ['/listeners', 'listener names and addresses (?format=json)'],
  ['/quitquitquit', 'exit the server (POST)'],
  ['/ready', 'print server state, 200 when LIVE'],
  ['/server_info', 'print server version/status information'],
  ['/stats', 'print server stats (?filter=regex, ?usedonly, ?format=json|prometheus)'],
  ['/stats/prometheus', 'print server stats in Prometheus format'],
];

function endpointList(): string {
  return 'admin commands are:\n' + ENDPOINTS.map(([p, d]) => `  ${p}: ${d}`).join('\n') + '\n';
}

function statsOptions(q: URLSearchParams): { filter?: RegExp; usedOnly: boolean } | string {
  const usedOnly = q.has('usedonly');
  const f = q.get('filter');
  if (f === null || f === '') return { usedOnly };
  try {
    return { filter: new RegExp(f), usedOnly };
  } catch {
    return `Invalid regex: ${f}\n`;
  }
}

/** Answers one admin request; pure apart from reading the provider (and shutdown for quitquitquit). */
export function handleAdminRequest(provider: AdminProvider, method: string, rawUrl: string): Reply {
  const url = new URL(rawUrl, 'http://admin');
  const q = url.searchParams;
  const format = q.get('format');
  switch (url.pathname) {
    case '/':
      return text(endpointList());
    case '/ready': {
      const state = provider.ready() ? 'LIVE' : provider.serverInfo().state;
      return text(state + '\n', state === 'LIVE' ? 200 : 503);
    }
    case '/healthz/ready':
      return text('', provider.ready() ? 200 : 503);
    case '/server_info': {
      const info = provider.serverInfo();
      return json(
        JSON.stringify(
          {
            version: info.version,
            state: info.state,
            uptime_current_epoch: `${info.uptimeSeconds}s`,
            uptime_all_epochs: `${info.uptimeSeconds}s`,
            node: { id: info.nodeId, cluster: info.cluster },
          },
          null,
          1,
        ) + '\n',
      );
    }
    case '/config_dump': {
      const dump = provider.configDump(q);
      if (dump !== null && typeof dump === 'object' && 'error' in dump)
        return text(`${String(dump.error)}\n`, 404);
      return json(JSON.stringify(dump, null, 1) + '\n');
    }
    case '/stats': {
      const opts = statsOptions(q);
      if (typeof opts === 'string') return text(opts, 400);
      if (format === 'json') return json(renderStatsJson(provider.stats, opts));
      if (format === 'prometheus') {
        return {
          status: 200,
          type: 'text/plain; version=0.0.4',
          body: renderPrometheus(provider.stats, opts),
        };
      }
      return text(renderStatsText(provider.stats, opts));
    }
    case '/stats/prometheus': {
      const opts = statsOptions(q);
      if (typeof opts === 'string') return text(opts, 400);
      return { status: 200, type: 'text/plain; version=0.0.4', body: renderPrometheus(provider.stats, opts) };
    }
    case '/clusters': {
      const clusters = provider.clusters.clusters();
      return format === 'json' ? json(renderClustersJson(clusters)) : text(renderClustersText(clusters));
    }
    case '/listeners': {
      const ls = provider.listeners();
      if (format === 'json') {
        const listener_statuses = ls.map((l) => {
          const i = l.address.lastIndexOf(':');
          return {
            name: l.name,
            local_address: {
              socket_address: { address: l.address.slice(0, i), port_value: Number(l.address.slice(i + 1)) },
            },
          };
        });
        return json(JSON.stringify({ listener_statuses }, null, 1) + '\n');
      }
      return text(ls.map((l) => `${l.name}::${l.address}\n`).join(''));
    }
    case '/quitquitquit':
      if (method !== 'POST') return text('This endpoint requires POST.\n', 405);
      setImmediate(() => provider.shutdown());
      return text('OK\n');
    default:
      return text(`invalid path: ${url.pathname}\n${endpointList()}`, 404);
  }
}

export function startAdminServer(
  provider: AdminProvider,
  address: { host: string; port: number },
): Promise<AdminServer> {
  const server = http.createServer((req, res) => {
    const reply = handleAdminRequest(provider, req.method ?? 'GET', req.url ?? '/');
    res.writeHead(reply.status, {
      'content-type': reply.type,
      'content-length': Buffer.byteLength(reply.body),
      'cache-control': 'no-cache, max-age=0',
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      const bound = server.address() as AddressInfo;
      resolve({
        address: { host: bound.address, port: bound.port },
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

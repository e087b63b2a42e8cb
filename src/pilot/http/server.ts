// Pilot's HTTP API (port 15014, Istio's monitoring port): the apply/delete/get verbs the CLI uses,
// the debug views istioctl users know (syncz, config_dump) and Prometheus metrics. Control-plane
// traffic only, so node:http is fine here.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PilotApi } from './api.ts';
import { applyYaml, deleteByName, deleteYaml, type Outcome } from './apply.ts';
import { listResources } from './resources.ts';

const MAX_BODY = 16 * 1024 * 1024;

export interface HttpServerHandle {
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function send(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2) + '\n';
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, `request body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendOutcome<T>(res: ServerResponse, outcome: Outcome<T>): void {
  if (outcome.ok) send(res, 200, { results: outcome.results });
  else send(res, outcome.status, { error: 'invalid configuration', issues: outcome.issues });
}

function isJson(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').includes('json');
}

async function route(api: PilotApi, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://pilot');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  const sourceName = url.searchParams.get('source') || 'request';
  if (method === 'POST' && path === '/apis/v1/apply') {
    sendOutcome(res, applyYaml(api, await readBody(req), sourceName));
    return;
  }
  if (method === 'POST' && path === '/apis/v1/delete') {
    const body = await readBody(req);
    if (isJson(req)) {
      const ref = parseJson(body) as { kind?: unknown; name?: unknown; namespace?: unknown };
      if (typeof ref.kind !== 'string' || typeof ref.name !== 'string')
        throw new HttpError(400, 'a JSON delete needs "kind" and "name" (and optionally "namespace")');
      const ns = typeof ref.namespace === 'string' && ref.namespace ? ref.namespace : undefined;
      sendOutcome(res, deleteByName(api, ref.kind, ref.name, ns));
    } else sendOutcome(res, deleteYaml(api, body, sourceName));
    return;
  }
  if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `${method} is not allowed on ${path}`);
  switch (path) {
    case '/apis/v1/resources': {
      const kind = url.searchParams.get('kind');
      if (!kind) throw new HttpError(400, 'query parameter "kind" is required, e.g. ?kind=virtualservice');
      const query: { kind: string; namespace?: string; name?: string } = { kind };
      const ns = url.searchParams.get('namespace');
      const name = url.searchParams.get('name');
      if (ns) query.namespace = ns;
      if (name) query.name = name;
      const outcome = listResources(api.store, query, (k) => api.createdAt(k));
      if (!outcome.ok) throw new HttpError(outcome.status, outcome.message);
      send(res, 200, { kind: outcome.kind, group: outcome.group, items: outcome.items });
      return;
    }
    case '/debug/syncz':
      send(res, 200, { pilot: api.identity, proxies: api.proxyStatus() });
      return;
    case '/debug/config_dump': {
      const id = url.searchParams.get('proxyID');
      if (!id)
        throw new HttpError(400, 'query parameter "proxyID" is required (a proxy name from /debug/syncz)');
      const dump = api.configDump(id);
      if (!dump) {
        const known = api.proxyStatus().map((p) => `${p.node.name}.${p.node.namespace}`);
        throw new HttpError(
          404,
          `no connected proxy matches "${id}"; connected: ${known.length > 0 ? known.join(', ') : 'none'}`,
        );
      }
      send(res, 200, dump);
      return;
    }
    case '/debug/config_issues': {
      const files = [...api.source.issues.entries()].map(([file, issues]) => ({ file, issues }));
      send(res, 200, { files });
      return;
    }
    case '/metrics':
      send(res, 200, api.metricsText(), 'text/plain; version=0.0.4; charset=utf-8');
      return;
    case '/ready':
      if (api.ready()) send(res, 200, 'ready\n', 'text/plain');
      else send(res, 503, 'starting\n', 'text/plain');
      return;
    case '/':
      send(res, 200, {
        pilot: api.identity,
        endpoints: [
          'POST /apis/v1/apply',
          'POST /apis/v1/delete',
          'GET /apis/v1/resources?kind=&namespace=&name=',
          'GET /debug/syncz',
          'GET /debug/config_dump?proxyID=',
          'GET /debug/config_issues',
          'GET /metrics',
          'GET /ready',
        ],
      });
      return;
    default:
      throw new HttpError(404, `no such endpoint ${path}; GET / lists them`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `request body is not JSON: ${(err as Error).message}`);
  }
}

/** Serves the API on host:port (0 picks a free port). */
export function startHttpServer(api: PilotApi, host: string, port: number): Promise<HttpServerHandle> {
  const server: Server = createServer((req, res) => {
    route(api, req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (!res.headersSent) send(res, status, { error: message });
      else res.destroy();
    });
  });
  // CLI calls are short; idle keep-alive sockets must not hold close() up.
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

// Outgoing HTTP for the sample apps. In local mode there is no iptables capture, so the sidecar is an
// explicit HTTP proxy named by HTTP_PROXY: every call goes to the proxy with the absolute-form target
// (`GET http://details:9080/details/0`) and the service's own Host, which is what the proxy routes on.
// Without a proxy the call goes straight to the service, found through Kubernetes-style
// `<NAME>_SERVICE_HOST/_PORT` variables (tests start the apps that way) or DNS.
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { type Env, parsePort, serviceEnvPrefix } from './env.ts';

export interface MeshRequestOptions {
  method?: string;
  headers?: Record<string, string | string[] | undefined>;
  body?: string | Buffer;
  /** Whole-exchange deadline (connect, headers and body); a late answer counts as a failure. */
  timeoutMs?: number;
  env?: Env;
}

export interface MeshResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Where the bytes go: the proxy, or the service itself. */
export interface Target {
  host: string;
  port: number;
  /** Request target: absolute-form through a proxy, origin-form direct. */
  path: string;
  viaProxy: boolean;
}

// One keep-alive pool for the process: apps call the same few upstreams again and again.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function proxyFromEnv(env: Env): URL | undefined {
  const raw = env['HTTP_PROXY'] || env['http_proxy'];
  if (!raw) return undefined;
  try {
    return new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    return undefined;
  }
}

function bypassesProxy(host: string, env: Env): boolean {
  const list = env['NO_PROXY'] ?? env['no_proxy'] ?? '';
  for (const raw of list.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const bare = entry.startsWith('.') ? entry.slice(1) : entry;
    if (host === bare || host.endsWith(`.${bare}`)) return true;
  }
  return false;
}

/** Decides where a request for `url` is sent, given the process environment. */
export function resolveTarget(url: URL, env: Env): Target {
  const hostname = url.hostname.toLowerCase();
  const port = url.port ? Number(url.port) : 80;
  const proxy = proxyFromEnv(env);
  if (proxy && !bypassesProxy(hostname, env)) {
    return {
      host: proxy.hostname,
      port: proxy.port ? Number(proxy.port) : 80,
      path: url.href,
      viaProxy: true,
    };
  }
  const path = url.pathname + url.search;
  // `details` and `details.default.svc.cluster.local` both name the Service `details`.
  const service = hostname.split('.')[0]!;
  const prefix = serviceEnvPrefix(service);
  const envHost = env[`${prefix}_SERVICE_HOST`];
  if (envHost && (!hostname.includes('.') || hostname.includes('.svc'))) {
    return { host: envHost, port: parsePort(env[`${prefix}_SERVICE_PORT`]) ?? port, path, viaProxy: false };
  }
  return { host: hostname, port, path, viaProxy: false };
}

/** One HTTP exchange through the mesh; rejects on network errors and on the deadline. */
export function meshRequest(url: string, options: MeshRequestOptions = {}): Promise<MeshResponse> {
  const env = options.env ?? process.env;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.reject(new Error(`invalid URL: ${url}`));
  }
  if (parsed.protocol !== 'http:') return Promise.reject(new Error(`unsupported scheme: ${parsed.protocol}`));
  const target = resolveTarget(parsed, env);
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(options.headers ?? {}))
    if (v !== undefined) headers[k.toLowerCase()] = v;
  headers['host'] = parsed.host;
  if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
  const send = (fresh: boolean): Promise<MeshResponse> =>
    new Promise<MeshResponse>((resolve, reject) => {
      const req = request({
        host: target.host,
        port: target.port,
        path: target.path,
        method: options.method ?? 'GET',
        headers,
        // A retry after a stale pooled socket must not pick another stale one.
        agent: fresh ? false : agent,
        family: target.host === 'localhost' ? 4 : undefined,
      });
      let timer: NodeJS.Timeout | undefined;
      let responded = false;
      const finish = (err: Error | undefined, res?: MeshResponse): void => {
        if (timer) clearTimeout(timer);
        timer = undefined;
        if (err) reject(err);
        else resolve(res!);
      };
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          req.destroy(new Error(`timeout after ${options.timeoutMs} ms: ${url}`));
        }, options.timeoutMs);
      }
      req.on('error', (err: NodeJS.ErrnoException) => {
        // The peer closed an idle pooled connection just as we reused it: nothing reached the
        // server, so one retry on a new connection is safe and avoids a spurious failure.
        if (!fresh && !responded && req.reusedSocket && err.code === 'ECONNRESET') {
          if (timer) clearTimeout(timer);
          send(true).then(resolve, reject);
          return;
        }
        finish(err);
      });
      req.on('response', (res) => {
        responded = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => finish(err));
        res.on('aborted', () => finish(new Error('response aborted')));
        res.on('end', () =>
          finish(undefined, {
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      });
      req.end(options.body);
    });
  return send(false);
}

/** Parses a JSON body, or undefined when it is not JSON. */
export function jsonBody(res: MeshResponse): unknown {
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

// httpbin: an HTTP request & response service. Tutorials use it as the generic upstream — echoing
// headers to show what the mesh added, answering chosen status codes and delays for fault and
// resilience tasks — and read its request log to see mirrored (`-shadow`) traffic.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { type Env, type Handler, readBody, send, serveHttp } from '../common/index.ts';
import { bodyInfo, fullUrl, headersOf, multiMap, origin } from './request-info.ts';
import { chooseStatus, parseStatusCodes } from './status.ts';

const MAX_DELAY_S = 10;
const MAX_BYTES = 100 * 1024;

function json(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, 'application/json', JSON.stringify(value, null, 2) + '\n', headers);
}

function basics(req: IncomingMessage) {
  const url = fullUrl(req);
  return { args: multiMap(url.searchParams), headers: headersOf(req), origin: origin(req), url: url.href };
}

async function withBody(req: IncomingMessage, withMethod: boolean) {
  const info = bodyInfo(req, await readBody(req));
  const b = basics(req);
  return {
    args: b.args,
    data: info.data,
    files: info.files,
    form: info.form,
    headers: b.headers,
    json: info.json,
    ...(withMethod ? { method: req.method ?? 'GET' } : {}),
    origin: b.origin,
    url: b.url,
  };
}

function status(res: ServerResponse, spec: string): void {
  const codes = parseStatusCodes(spec);
  if (!codes) {
    send(res, 400, 'text/plain; charset=utf-8', 'Invalid status code\n');
    return;
  }
  const code = chooseStatus(codes);
  const headers: Record<string, string> = {};
  if ([301, 302, 303, 305, 307, 308].includes(code)) headers['location'] = '/redirect/1';
  if (code === 401) headers['www-authenticate'] = 'Basic realm="Fake Realm"';
  if (code === 407) headers['proxy-authenticate'] = 'Basic realm="Fake Realm"';
  send(res, code, 'text/plain; charset=utf-8', code === 418 ? "I'm a teapot!\n" : '', headers);
}

function delay(req: IncomingMessage, res: ServerResponse, seconds: string): void {
  const n = Number(seconds);
  if (!Number.isFinite(n) || n < 0) {
    send(res, 400, 'text/plain; charset=utf-8', 'Invalid delay\n');
    return;
  }
  const timer = setTimeout(async () => {
    const b = await withBody(req, false);
    json(res, 200, b);
  }, Math.min(n, MAX_DELAY_S) * 1000);
  res.on('close', () => clearTimeout(timer));
}

function responseHeaders(req: IncomingMessage, res: ServerResponse): void {
  const args = multiMap(fullUrl(req).searchParams);
  const body: Record<string, string | string[]> = { 'Content-Type': 'application/json', ...args };
  for (const [k, v] of Object.entries(args)) res.setHeader(k, v);
  json(res, 200, body);
}

const HTML = `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>httpbin sample page</title></head>
<body>
<h1>A Short Page of Text</h1>
<p>This page exists so that clients have some HTML to fetch. It is served by Weft's httpbin sample,
which answers the way httpbin.org does for the endpoints the service-mesh tutorials use.</p>
</body>
</html>
`;

const INDEX = `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>httpbin</title></head>
<body>
<h1>httpbin</h1>
<p>HTTP request &amp; response service.</p>
<ul>
<li>/get /post /put /patch /delete /anything — echo the request</li>
<li>/headers /ip /user-agent /uuid</li>
<li>/status/:codes /delay/:seconds /response-headers?k=v /bytes/:n /html</li>
</ul>
</body>
</html>
`;

const METHOD_ROUTES: Record<string, string> = {
  '/get': 'GET',
  '/post': 'POST',
  '/put': 'PUT',
  '/patch': 'PATCH',
  '/delete': 'DELETE',
};

async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const method = req.method ?? 'GET';
  const wanted = METHOD_ROUTES[path];
  if (wanted) {
    if (method !== wanted && !(wanted === 'GET' && method === 'HEAD'))
      return send(res, 405, 'text/plain', '');
    if (wanted === 'GET') {
      const b = basics(req);
      return json(res, 200, { args: b.args, headers: b.headers, origin: b.origin, url: b.url });
    }
    return json(res, 200, await withBody(req, false));
  }
  if (path === '/anything' || path.startsWith('/anything/')) return json(res, 200, await withBody(req, true));
  if (path === '/headers') return json(res, 200, { headers: headersOf(req) });
  if (path === '/ip') return json(res, 200, { origin: origin(req) });
  if (path === '/user-agent') return json(res, 200, { 'user-agent': req.headers['user-agent'] ?? '' });
  if (path === '/uuid') return json(res, 200, { uuid: randomUUID() });
  if (path === '/html') return send(res, 200, 'text/html; charset=utf-8', HTML);
  if (path === '/' || path === '') return send(res, 200, 'text/html; charset=utf-8', INDEX);
  if (path === '/response-headers') return responseHeaders(req, res);
  let m: RegExpExecArray | null;
  if ((m = /^\/status\/([^/]+)$/.exec(path))) return status(res, decodeURIComponent(m[1]!));
  if ((m = /^\/delay\/([^/]+)$/.exec(path))) return delay(req, res, m[1]!);
  if ((m = /^\/bytes\/(\d+)$/.exec(path))) {
    return send(res, 200, 'application/octet-stream', randomBytes(Math.min(Number(m[1]), MAX_BYTES)));
  }
  send(res, 404, 'text/plain; charset=utf-8', '404 page not found\n');
}

/** One stdout line per request: `<METHOD> <path> host=<Host>` (mirroring tests grep it). */
export function logLine(req: IncomingMessage): string {
  const url = fullUrl(req);
  return `${req.method ?? 'GET'} ${url.pathname}${url.search} host=${req.headers.host ?? ''}`;
}

export const httpbinHandler: Handler = (req, res) => {
  process.stdout.write(logLine(req) + '\n');
  return route(req, res, fullUrl(req).pathname);
};

export function runHttpbin(_args: string[], env: Env): Promise<Server> {
  // go-httpbin's container port; Istio's Service maps 8000 to it.
  return serveHttp('httpbin', httpbinHandler, env, 8080);
}

// Starting an app's HTTP server the same way everywhere: bind to HOST/PORT, print one ready line the
// runtime and tests wait for (it carries the bound port, so PORT=0 works), and answer handler
// failures with a 500 instead of killing the process.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type Env, listenHost, listenPort } from './env.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** The line printed once listening: `weft-sample <app> listening on <host>:<port>`. */
export function readyLine(app: string, host: string, port: number): string {
  return `weft-sample ${app} listening on ${host}:${port}`;
}

/** Listens on `host:port` and prints the ready line; resolves to the listening server. */
export function listenHttp(app: string, handler: Handler, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    let result: void | Promise<void>;
    try {
      result = handler(req, res);
    } catch (err) {
      fail(res, err);
      return;
    }
    if (result instanceof Promise) result.catch((err: unknown) => fail(res, err));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      const bound = typeof addr === 'object' && addr ? addr.port : port;
      process.stdout.write(readyLine(app, host, bound) + '\n');
      resolve(server);
    });
  });
}

/** Serves on the HOST/PORT from the environment, `defaultPort` when PORT is unset. */
export function serveHttp(app: string, handler: Handler, env: Env, defaultPort: number): Promise<Server> {
  return listenHttp(app, handler, listenHost(env), listenPort(env, defaultPort));
}

function fail(res: ServerResponse, err: unknown): void {
  process.stderr.write(`handler error: ${err instanceof Error ? err.stack : String(err)}\n`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
}

/** Writes a complete response. */
export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  headers: Record<string, string | string[]> = {},
): void {
  res.writeHead(status, {
    ...headers,
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Writes a JSON response (compact, as the bookinfo services answer). */
export function sendJson(res: ServerResponse, status: number, value: unknown, pretty = false): void {
  const text = pretty ? JSON.stringify(value, null, 2) + '\n' : JSON.stringify(value);
  send(res, status, 'application/json', text);
}

/** Reads a request body up to `limit` bytes (more is cut off: the samples never need it). */
export function readBody(req: IncomingMessage, limit = 10 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      if (size < limit) chunks.push(c);
      size += c.length;
    });
    req.on('end', () => resolve(Buffer.concat(chunks).subarray(0, limit)));
    req.on('error', reject);
  });
}

/** The path part of a request target, whether origin-form or absolute-form. */
export function requestPath(req: IncomingMessage): { pathname: string; search: string } {
  const raw = req.url ?? '/';
  try {
    const u = new URL(raw, 'http://localhost');
    return { pathname: u.pathname, search: u.search };
  } catch {
    return { pathname: '/', search: '' };
  }
}

// Where to connect and which bytes to send. The request is built once and written as-is for every
// call, so the generator spends its time on the wire, not on formatting.
//
// Through a proxy the request line carries the absolute-form target (`GET http://httpbin:8000/get`),
// exactly what an app behind a Weft sidecar in local mode sends to the sidecar's outbound port.

import { isIP } from 'node:net';

export interface Target {
  url: URL;
  /** Where the sockets connect: the server, or the proxy. */
  connectHost: string;
  connectPort: number;
  /** The request-line target: origin-form, or absolute-form through a proxy. */
  requestTarget: string;
  /** The proxy URL when one is used. */
  proxy: string | undefined;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Parses the URL (http:// is assumed when no scheme is given) and decides on a proxy. */
export function resolveTarget(rawUrl: string, proxy: string | undefined, env: Env): Target | string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(rawUrl) ? rawUrl : `http://${rawUrl}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return `invalid URL ${JSON.stringify(rawUrl)}`;
  }
  if (url.protocol !== 'http:') return `unsupported scheme ${url.protocol} (only http:// is supported)`;
  const proxyUrl = proxy ?? envProxyFor(url, env);
  const origin = `${url.pathname}${url.search}`;
  if (proxyUrl === undefined || proxyUrl === '') {
    return {
      url,
      connectHost: unbracket(url.hostname),
      connectPort: portOf(url),
      requestTarget: origin,
      proxy: undefined,
    };
  }
  let p: URL;
  try {
    p = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(proxyUrl) ? proxyUrl : `http://${proxyUrl}`);
  } catch {
    return `invalid proxy URL ${JSON.stringify(proxyUrl)}`;
  }
  if (p.protocol !== 'http:') return `unsupported proxy scheme ${p.protocol} (only http:// proxies)`;
  return {
    url,
    connectHost: unbracket(p.hostname),
    connectPort: portOf(p),
    requestTarget: `http://${url.host}${origin}`,
    proxy: p.href,
  };
}

/**
 * HTTP_PROXY applies to names only: IPs and localhost are reached directly, as the sidecar's
 * local mode expects (mesh services are names; the app's own loopback is not the mesh).
 */
function envProxyFor(url: URL, env: Env): string | undefined {
  const host = unbracket(url.hostname);
  if (isIP(host) !== 0 || host === 'localhost' || host.endsWith('.localhost')) return undefined;
  const proxy = env['HTTP_PROXY'] ?? env['http_proxy'];
  if (!proxy) return undefined;
  const noProxy = env['NO_PROXY'] ?? env['no_proxy'] ?? '';
  for (const raw of noProxy.split(',')) {
    const entry = raw
      .trim()
      .toLowerCase()
      .replace(/^\*?\./, '');
    if (entry === '*') return undefined;
    if (entry !== '' && (host === entry || host.endsWith(`.${entry}`))) return undefined;
  }
  return proxy;
}

function portOf(u: URL): number {
  return u.port === '' ? 80 : Number(u.port);
}

function unbracket(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

export interface RequestSpec {
  method: string;
  /** `Name: value` lines as given to -H; a Host or User-Agent here replaces the default. */
  headers: readonly string[];
  payload: Buffer | undefined;
  userAgent: string;
}

/** Splits `-H 'k: v'`; returns an error message when there is no name. */
export function parseHeader(line: string): [string, string] | string {
  const colon = line.indexOf(':');
  const name = colon < 0 ? '' : line.slice(0, colon).trim();
  if (name === '' || /[\s\r\n]/.test(name))
    return `invalid header ${JSON.stringify(line)}: want 'Name: value'`;
  const value = line.slice(colon + 1).trim();
  if (/[\r\n]/.test(value)) return `invalid header ${JSON.stringify(line)}: value has a line break`;
  return [name, value];
}

/** The full request bytes (head and body). Headers must already be valid (see parseHeader). */
export function buildRequest(target: Target, spec: RequestSpec): Buffer {
  const extra: [string, string][] = [];
  for (const line of spec.headers) {
    const h = parseHeader(line);
    if (typeof h !== 'string') extra.push(h);
  }
  const has = (name: string) => extra.some(([n]) => n.toLowerCase() === name);
  const lines = [`${spec.method} ${target.requestTarget} HTTP/1.1`];
  if (!has('host')) lines.push(`Host: ${target.url.host}`);
  if (!has('user-agent')) lines.push(`User-Agent: ${spec.userAgent}`);
  for (const [n, v] of extra) if (n.toLowerCase() !== 'content-length') lines.push(`${n}: ${v}`);
  if (spec.payload !== undefined) {
    if (!has('content-type')) lines.push('Content-Type: application/octet-stream');
    lines.push(`Content-Length: ${spec.payload.length}`);
  }
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  return spec.payload === undefined ? head : Buffer.concat([head, spec.payload]);
}

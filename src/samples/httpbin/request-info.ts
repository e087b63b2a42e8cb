// The request as httpbin reports it back: Title-Case header names, query args (one value → string,
// several → list), the client's origin and the full URL, and the body split into data/json/form.
import type { IncomingMessage } from 'node:http';

export type Multi = Record<string, string | string[]>;

/** `x-b3-traceid` → `X-B3-Traceid`, the canonical form httpbin prints. */
export function canonicalHeaderName(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((part) => (part ? part[0]!.toUpperCase() + part.slice(1) : part))
    .join('-');
}

export function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = canonicalHeaderName(raw[i]!);
    out[name] = name in out ? `${out[name]},${raw[i + 1]}` : raw[i + 1]!;
  }
  return out;
}

/** Collects repeated keys into lists, the way httpbin shows args and form fields. */
export function multiMap(params: URLSearchParams): Multi {
  const out: Multi = {};
  for (const [k, v] of params) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export function origin(req: IncomingMessage): string {
  const xff = req.headers['x-forwarded-for'];
  const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
  if (first) return first;
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

/** The URL the client asked for, absolute; a proxy's absolute-form target is used as is. */
export function fullUrl(req: IncomingMessage): URL {
  const target = req.url ?? '/';
  if (/^https?:\/\//i.test(target)) return new URL(target);
  const proto =
    String(req.headers['x-forwarded-proto'] ?? 'http')
      .split(',')[0]!
      .trim() || 'http';
  try {
    return new URL(target, `${proto}://${req.headers.host ?? 'localhost'}`);
  } catch {
    // A Host header that is not a valid authority: still answer, with a placeholder host.
    return new URL(target.startsWith('/') ? target : '/', 'http://localhost');
  }
}

export interface BodyInfo {
  data: string;
  json: unknown;
  form: Multi;
  files: Multi;
}

export function bodyInfo(req: IncomingMessage, body: Buffer): BodyInfo {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  const text = body.toString('utf8');
  const info: BodyInfo = { data: '', json: null, form: {}, files: {} };
  if (type.startsWith('application/x-www-form-urlencoded')) {
    info.form = multiMap(new URLSearchParams(text));
    return info;
  }
  info.data = text;
  if (text !== '') {
    try {
      info.json = JSON.parse(text);
    } catch {
      info.json = null;
    }
  }
  return info;
}

// A tiny curl-like call for client pods: it reaches services by their Kubernetes names through the
// pod's sidecar (HTTP_PROXY), exactly as the pod's application would.
import { type Env, meshRequest } from '../common/index.ts';

export interface HttpGetOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  env?: Env;
}

export interface HttpGetResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export async function httpGet(url: string, options: HttpGetOptions = {}): Promise<HttpGetResult> {
  const headers: Record<string, string> = { 'user-agent': 'curl/8.16.0', accept: '*/*' };
  for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
  const res = await meshRequest(url, {
    method: options.method ?? 'GET',
    headers,
    body: options.body,
    timeoutMs: options.timeoutMs,
    env: options.env,
  });
  return { status: res.status, headers: res.headers, body: res.body.toString('utf8') };
}

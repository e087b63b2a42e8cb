// The client side of pilot's HTTP API, for the CLI verbs (apply, delete, get, proxy-status,
// proxy-config). A pilot that is not there is reported with what to do about it.

export const DEFAULT_PILOT_URL = 'http://127.0.0.1:15014';

export class PilotUnreachableError extends Error {
  readonly base: string;
  /** Why the request failed: ECONNREFUSED, TimeoutError, … */
  readonly code: string;
  constructor(base: string, code: string) {
    super(
      `cannot reach weft pilot at ${base} (${code}): is it running? ` +
        'start it with `weft up -d -f <manifests>` or `weft pilot`, or point --pilot / $WEFT_PILOT at it',
    );
    this.base = base;
    this.code = code;
  }
}

export interface PilotReply {
  status: number;
  body: unknown;
  text: string;
}

/** The pilot address: the flag, else $WEFT_PILOT, else the local default. */
export function pilotUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return normalizePilotUrl(flag ?? env['WEFT_PILOT'] ?? DEFAULT_PILOT_URL);
}

/** `127.0.0.1:15014` and `http://127.0.0.1:15014/` both mean http://127.0.0.1:15014. */
export function normalizePilotUrl(raw: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`;
  return withScheme.replace(/\/+$/, '');
}

export class PilotClient {
  readonly base: string;
  private readonly timeoutMs: number;

  constructor(base: string, timeoutMs = 15_000) {
    this.base = base;
    this.timeoutMs = timeoutMs;
  }

  async request(
    method: 'GET' | 'POST',
    path: string,
    body?: string,
    contentType = 'application/yaml',
  ): Promise<PilotReply> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        ...(body !== undefined ? { body, headers: { 'content-type': contentType } } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new PilotUnreachableError(this.base, cause);
    }
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, body: parsed, text };
  }

  get(path: string): Promise<PilotReply> {
    return this.request('GET', path);
  }
}

/** The `error` field of an API error reply, or the raw text. */
export function replyError(reply: PilotReply): string {
  const body = reply.body as { error?: unknown } | string;
  if (typeof body === 'object' && body && typeof body.error === 'string') return body.error;
  return `HTTP ${reply.status}: ${reply.text.trim()}`;
}

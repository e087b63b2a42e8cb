// fortio's curl mode: one request, then the response head and body as received (de-chunked), to
// check a URL works before loading it.

import { LoadConnection } from './connection.ts';
import { type LoadOptions, LoadSetupError, prepare } from './runner.ts';

export interface CurlResult {
  status: number;
  head: string;
  body: Buffer;
}

/** Throws LoadSetupError when the URL is unusable or no response came back. */
export async function curlOnce(opts: LoadOptions): Promise<CurlResult> {
  const { target, method, request } = prepare(opts);
  const conn = new LoadConnection({
    host: target.connectHost,
    port: target.connectPort,
    onSocket: () => {},
    keepBody: true,
  });
  try {
    const o = await conn.send(request, method !== 'HEAD', opts.timeoutMs);
    if ('error' in o) throw new LoadSetupError(`${target.url.href}: ${o.error}`);
    return { status: o.status, head: o.head, body: o.body ?? Buffer.alloc(0) };
  } finally {
    conn.close();
  }
}

// Loopback helpers: free ports, waiting until a server answers HTTP, and reading a process's RSS.
import { readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it; tiny race accepted). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** One GET / on a fresh connection; resolves with the status code, or an error message. */
export function probeHttp(port: number, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (v: number | string): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    sock.setEncoding('latin1');
    sock.on('connect', () => sock.write('GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n'));
    sock.on('data', (s: string) => {
      buf += s;
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf);
      if (m) done(Number(m[1]));
    });
    sock.on('error', (e) => done(e.message));
    sock.on('close', () => done(buf === '' ? 'connection closed' : `bad response: ${buf.slice(0, 80)}`));
  });
}

/**
 * Polls until GET / answers 200 or `timeoutMs` passes. `alive` lets the caller stop early when the
 * server process has died; the result is undefined on success or the last problem seen.
 */
export async function waitForHttp200(
  port: number,
  timeoutMs: number,
  alive: () => boolean = () => true,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: number | string = 'not tried';
  while (Date.now() < deadline) {
    if (!alive()) return `process exited (last probe: ${last})`;
    last = await probeHttp(port, 1000);
    if (last === 200) return undefined;
    await new Promise((r) => setTimeout(r, 100));
  }
  return `no 200 from 127.0.0.1:${port} within ${timeoutMs} ms (last: ${typeof last === 'number' ? `status ${last}` : last})`;
}

/** VmRSS of `pid` in KiB (from /proc/<pid>/status), or undefined if unreadable. */
export async function readRssKiB(pid: number): Promise<number | undefined> {
  try {
    return parseVmRssKiB(await readFile(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined;
  }
}

export function parseVmRssKiB(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

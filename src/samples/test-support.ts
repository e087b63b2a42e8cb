// Test support: start a sample app as a real child process (as local mode does) and learn its port
// from the ready line. Children get a clean environment so a developer's HTTP_PROXY never leaks in.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { meshRequest } from './common/index.ts';

const MAIN = resolve(import.meta.dirname, 'main.ts');

export interface AppProcess {
  pid: number;
  /** Bound ports, in the order the app reported them. */
  ports: number[];
  port: number;
  /** stdout lines so far (the ready lines included). */
  lines: string[];
  stderr: () => string;
  /** Resolves with the first stdout line (past or future) matching `re`. */
  waitForLine: (re: RegExp, timeoutMs?: number) => Promise<string>;
  stop: () => Promise<void>;
}

export async function startApp(
  app: string,
  args: string[] = [],
  env: Record<string, string> = {},
  readyCount = 1,
): Promise<AppProcess> {
  const child: ChildProcess = spawn(process.execPath, [MAIN, app, ...args], {
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { re: RegExp; done: (line: string) => void }[] = [];
  let errText = '';
  let partial = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    partial += chunk;
    let nl = partial.indexOf('\n');
    while (nl >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.done(line);
        }
      }
      nl = partial.indexOf('\n');
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => (errText += c));
  const exited = once(child, 'exit');

  const waitForLine = (re: RegExp, timeoutMs = 5000): Promise<string> => {
    const seen = lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((res, rej) => {
      const timer = setTimeout(
        () => rej(new Error(`no line ${re} from ${app}; stderr: ${errText}`)),
        timeoutMs,
      );
      waiters.push({
        re,
        done: (line) => {
          clearTimeout(timer);
          res(line);
        },
      });
    });
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, 'SIGKILL');
      await exited;
    }
  };

  const ports: number[] = [];
  const ready = /^weft-sample \S+ (?:listening on \S+:(\d+)|idle)/;
  let settled = false;
  try {
    await Promise.race([
      new Promise<void>((res) => {
        const scan = (): void => {
          ports.length = 0;
          for (const l of lines) {
            const m = ready.exec(l);
            if (m) ports.push(m[1] ? Number(m[1]) : 0);
          }
          if (ports.length >= readyCount) res();
          else if (!settled) setTimeout(scan, 10);
        };
        scan();
      }),
      exited.then(() => {
        throw new Error(`${app} exited early: ${errText}`);
      }),
      new Promise((_, rej) =>
        setTimeout(() => rej(new Error(`${app} not ready: ${errText}`)), 10000).unref(),
      ),
    ]);
  } catch (err) {
    await stop();
    throw err;
  } finally {
    settled = true;
  }
  return { pid: child.pid!, ports, port: ports[0]!, lines, stderr: () => errText, waitForLine, stop };
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface FakeUpstream {
  port: number;
  seen: SeenRequest[];
  close: () => Promise<void>;
}

/** An in-process HTTP server that records every request and answers with `reply`. */
export async function startUpstream(
  reply: (req: IncomingMessage, res: ServerResponse) => void = (_q, res) => res.end('{}'),
): Promise<FakeUpstream> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    reply(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}

/** A plain GET/POST to 127.0.0.1:`port`; resolves with status, headers and text. */
export async function call(
  port: number,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  const res = await meshRequest(`http://127.0.0.1:${port}${path}`, {
    method: init.method,
    headers: init.headers,
    body: init.body,
    timeoutMs: 15000,
    env: {},
  });
  return { status: res.status, headers: res.headers, text: res.body.toString('utf8') };
}

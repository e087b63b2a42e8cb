// `curl` inside a client pod: the flags the Istio tutorials use (-s -S -v -i -I -H -X -d -o -w -m -f -b),
// run through the pod's sidecar. Exit codes follow curl's for the cases scripts test
// (6 resolve, 7 connect, 22 --fail, 28 timeout, 56 receive).
import { writeFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import type { Env } from '../common/index.ts';
import { httpGet } from './http-get.ts';

export interface CurlIo {
  stdout: (text: string | Buffer) => void;
  stderr: (text: string) => void;
  env: Env;
}

interface CurlArgs {
  url?: string;
  method?: string;
  headers: Record<string, string>;
  data?: string;
  output?: string;
  writeOut?: string;
  include: boolean;
  head: boolean;
  fail: boolean;
  silent: boolean;
  showError: boolean;
  verbose: boolean;
  maxTimeMs?: number;
}

const VALUE_FLAGS = new Set([
  '-H',
  '--header',
  '-X',
  '--request',
  '-d',
  '--data',
  '--data-raw',
  '--data-binary',
  '-o',
  '--output',
  '-w',
  '--write-out',
  '-m',
  '--max-time',
  '-A',
  '--user-agent',
  '-b',
  '--cookie',
  '--connect-timeout',
  '-u',
  '--user',
  '-e',
  '--referer',
  '--resolve',
  '--cacert',
  '--cert',
  '--key',
  '-c',
  '--cookie-jar',
]);

export function parseCurlArgs(argv: readonly string[]): CurlArgs | string {
  const a: CurlArgs = {
    headers: {},
    include: false,
    head: false,
    fail: false,
    silent: false,
    showError: false,
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i]!;
    let value: string | undefined;
    if (flag.startsWith('--') && flag.includes('='))
      [flag, value] = [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)];
    if (VALUE_FLAGS.has(flag) && value === undefined) {
      value = argv[++i];
      if (value === undefined) return `option ${flag}: requires parameter`;
    }
    if (!flag.startsWith('-') || flag === '-') {
      a.url = flag;
      continue;
    }
    // Combined short flags such as -sS or -sSv.
    if (/^-[a-zA-Z]{2,}$/.test(flag) && !VALUE_FLAGS.has(flag)) {
      for (const c of flag.slice(1)) applySwitch(a, `-${c}`);
      continue;
    }
    switch (flag) {
      case '-H':
      case '--header': {
        const colon = value!.indexOf(':');
        if (colon > 0)
          a.headers[value!.slice(0, colon).trim().toLowerCase()] = value!.slice(colon + 1).trim();
        break;
      }
      case '-X':
      case '--request':
        a.method = value!.toUpperCase();
        break;
      case '-d':
      case '--data':
      case '--data-raw':
      case '--data-binary':
        a.data = a.data === undefined ? value! : `${a.data}&${value!}`;
        break;
      case '-o':
      case '--output':
        a.output = value!;
        break;
      case '-w':
      case '--write-out':
        a.writeOut = value!;
        break;
      case '-m':
      case '--max-time':
        a.maxTimeMs = Number(value) * 1000;
        break;
      case '-A':
      case '--user-agent':
        a.headers['user-agent'] = value!;
        break;
      case '-b':
      case '--cookie':
        a.headers['cookie'] = value!;
        break;
      default:
        if (!VALUE_FLAGS.has(flag)) applySwitch(a, flag);
    }
  }
  return a.url ? a : 'no URL specified';
}

function applySwitch(a: CurlArgs, flag: string): void {
  if (flag === '-s' || flag === '--silent') a.silent = true;
  else if (flag === '-S' || flag === '--show-error') a.showError = true;
  else if (flag === '-v' || flag === '--verbose') a.verbose = true;
  else if (flag === '-i' || flag === '--include') a.include = true;
  else if (flag === '-I' || flag === '--head') a.head = true;
  else if (flag === '-f' || flag === '--fail') a.fail = true;
  // Anything else (-L, -k, --http1.1, …) changes nothing for plain-HTTP calls inside the mesh.
}

function errorCode(err: unknown): { code: number; text: string } {
  const msg = err instanceof Error ? err.message : String(err);
  const errno = (err as { code?: string }).code;
  if (msg.startsWith('timeout')) return { code: 28, text: 'Operation timed out' };
  if (errno === 'ENOTFOUND' || errno === 'EAI_AGAIN')
    return { code: 6, text: `Could not resolve host: ${msg}` };
  if (errno === 'ECONNREFUSED') return { code: 7, text: `Failed to connect: ${msg}` };
  if (msg.startsWith('invalid URL') || msg.startsWith('unsupported')) return { code: 3, text: msg };
  return { code: 56, text: `Recv failure: ${msg}` };
}

function headBlock(status: number, headers: Record<string, string | string[] | undefined>): string {
  let out = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
  for (const [k, v] of Object.entries(headers)) {
    for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) out += `${k}: ${one}\r\n`;
  }
  return out + '\r\n';
}

/** Runs one curl command; resolves to its exit code. */
export async function curl(argv: readonly string[], io: CurlIo): Promise<number> {
  const a = parseCurlArgs(argv);
  if (typeof a === 'string') {
    io.stderr(`curl: ${a}\n`);
    return 2;
  }
  const url = /^[a-z]+:\/\//i.test(a.url!) ? a.url! : `http://${a.url!}`;
  const method = a.method ?? (a.head ? 'HEAD' : a.data !== undefined ? 'POST' : 'GET');
  if (a.data !== undefined && !a.headers['content-type'])
    a.headers['content-type'] = 'application/x-www-form-urlencoded';
  const started = Date.now();
  let res: Awaited<ReturnType<typeof httpGet>>;
  try {
    res = await httpGet(url, {
      method,
      headers: a.headers,
      body: a.data,
      timeoutMs: a.maxTimeMs,
      env: io.env,
    });
  } catch (err) {
    const e = errorCode(err);
    if (!a.silent || a.showError) io.stderr(`curl: (${e.code}) ${e.text}\n`);
    if (a.writeOut) io.stdout(formatWriteOut(a.writeOut, 0, Date.now() - started));
    return e.code;
  }
  if (a.verbose)
    io.stderr(`> ${method} ${url}\n< ${headBlock(res.status, res.headers).replace(/\r\n(?!$)/g, '\n< ')}`);
  if (a.fail && res.status >= 400) {
    if (!a.silent || a.showError) io.stderr(`curl: (22) The requested URL returned error: ${res.status}\n`);
    if (a.writeOut) io.stdout(formatWriteOut(a.writeOut, res.status, Date.now() - started));
    return 22;
  }
  const out = (a.include || a.head ? headBlock(res.status, res.headers) : '') + (a.head ? '' : res.body);
  if (a.output && a.output !== '-') {
    if (a.output !== '/dev/null') writeFileSync(a.output, out);
  } else {
    io.stdout(out);
  }
  if (a.writeOut) io.stdout(formatWriteOut(a.writeOut, res.status, Date.now() - started));
  return 0;
}

function formatWriteOut(format: string, status: number, elapsedMs: number): string {
  return format
    .replace(/%\{(http_code|response_code)\}/g, String(status).padStart(3, '0'))
    .replace(/%\{time_total\}/g, (elapsedMs / 1000).toFixed(6))
    .replace(/\\n/g, '\n')
    .replace(/\\t/g, '\t');
}

// Runs a load test: C connections, each with its own open-loop schedule when a rate is set.
//
// At -qps R with C connections, connection k sends its i-th call at start + (k + i·C)/R, so the
// calls of all connections interleave into one even R-per-second stream. Latency is measured from
// that intended time, not from when the call could actually be written: if the server stalls, the
// calls queued behind it show the stall instead of silently lowering the rate (no coordinated
// omission). At -qps 0 each connection sends its next call as soon as the last one is answered,
// and latency is from the write.

import { type ConnectionOptions, LoadConnection, type Outcome } from './connection.ts';
import { Histogram, Summary } from './histogram.ts';
import { buildRequest, type Env, parseHeader, resolveTarget, type Target } from './request.ts';

export interface LoadOptions {
  url: string;
  /** Calls per second over all connections; 0 = as fast as possible. */
  qps: number;
  connections: number;
  /** Exact number of calls; when absent the run lasts `durationMs`. */
  calls?: number | undefined;
  /** Run length when `calls` is absent; 0 = until `signal` aborts. */
  durationMs: number;
  headers?: readonly string[];
  method?: string | undefined;
  payload?: string | undefined;
  /** Per call; 0 = none. */
  timeoutMs: number;
  proxy?: string | undefined;
  env?: Env;
  userAgent?: string;
  /** Stops sending new calls (in-flight ones finish); for Ctrl-C. */
  signal?: AbortSignal;
}

export interface LoadResult {
  target: Target;
  method: string;
  options: LoadOptions;
  startTime: Date;
  /** From the first send to the last answer, in milliseconds. */
  actualDurationMs: number;
  /** Latencies in seconds of all calls, and of the non-2xx/failed ones. */
  latency: Histogram;
  errorLatency: Histogram;
  /** Calls per status code; -1 = no response (connection error, timeout, bad framing). */
  codes: Map<number, number>;
  socketsUsed: number;
  headerSizes: Summary;
  bodySizes: Summary;
  /** Distinct failure reasons with their counts, for the log. */
  errors: Map<string, number>;
}

/** Bad flags, an unusable URL, or no connection could be made: nothing was measured. */
export class LoadSetupError extends Error {}

/** Prepared target and request bytes, shared by load runs and curl mode. */
export interface Prepared {
  target: Target;
  method: string;
  request: Buffer;
}

export function prepare(opts: LoadOptions): Prepared {
  const target = resolveTarget(opts.url, opts.proxy, opts.env ?? {});
  if (typeof target === 'string') throw new LoadSetupError(target);
  for (const h of opts.headers ?? []) {
    const parsed = parseHeader(h);
    if (typeof parsed === 'string') throw new LoadSetupError(parsed);
  }
  const payload = opts.payload === undefined ? undefined : Buffer.from(opts.payload);
  // As fortio and curl do, a payload makes the call a POST unless a method is given.
  const method = (opts.method ?? (payload ? 'POST' : 'GET')).toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new LoadSetupError(`invalid method ${JSON.stringify(method)}`);
  const request = buildRequest(target, {
    method,
    headers: opts.headers ?? [],
    payload,
    userAgent: opts.userAgent ?? 'weft-load',
  });
  return { target, method, request };
}

/** Opens the connections (failing fast if the server is unreachable), then runs the schedule. */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  if (!(opts.qps >= 0)) throw new LoadSetupError(`-qps must be ≥ 0, got ${opts.qps}`);
  if (!(Number.isInteger(opts.connections) && opts.connections >= 1))
    throw new LoadSetupError(`-c must be a positive integer, got ${opts.connections}`);
  if (opts.calls !== undefined && !(Number.isInteger(opts.calls) && opts.calls >= 1))
    throw new LoadSetupError(`-n must be a positive integer, got ${opts.calls}`);
  const { target, method, request } = prepare(opts);
  const result: LoadResult = {
    target,
    method,
    options: opts,
    startTime: new Date(),
    actualDurationMs: 0,
    latency: new Histogram(),
    errorLatency: new Histogram(),
    codes: new Map(),
    socketsUsed: 0,
    headerSizes: new Summary(),
    bodySizes: new Summary(),
    errors: new Map(),
  };
  const c = opts.calls === undefined ? opts.connections : Math.min(opts.connections, opts.calls);
  const connOpts: ConnectionOptions = {
    host: target.connectHost,
    port: target.connectPort,
    onSocket: () => result.socketsUsed++,
  };
  const conns = Array.from({ length: c }, () => new LoadConnection(connOpts));
  try {
    await Promise.all(conns.map((conn) => conn.open()));
  } catch (err) {
    for (const conn of conns) conn.close();
    const where = `${target.connectHost}:${target.connectPort}${target.proxy ? ' (proxy)' : ''}`;
    throw new LoadSetupError(`cannot connect to ${where}: ${(err as Error).message}`);
  }

  const hasResponseBody = method !== 'HEAD';
  const start = performance.now();
  result.startTime = new Date();
  const deadline =
    opts.calls === undefined && opts.durationMs > 0 ? start + opts.durationMs : Number.POSITIVE_INFINITY;
  const intervalMs = opts.qps > 0 ? (1000 * c) / opts.qps : 0;
  let lastAnswer = start;

  const record = (o: Outcome, latencyMs: number) => {
    const seconds = latencyMs / 1000;
    result.latency.record(seconds);
    result.codes.set(o.status, (result.codes.get(o.status) ?? 0) + 1);
    if ('error' in o) {
      result.errors.set(o.error, (result.errors.get(o.error) ?? 0) + 1);
      result.errorLatency.record(seconds);
      return;
    }
    if (o.status < 200 || o.status >= 300) result.errorLatency.record(seconds);
    result.headerSizes.record(o.headerBytes);
    result.bodySizes.record(o.headerBytes + o.bodyBytes);
  };

  const worker = async (k: number, conn: LoadConnection) => {
    const quota = opts.calls === undefined ? Number.POSITIVE_INFINITY : callsFor(k, c, opts.calls);
    for (let i = 0; i < quota; i++) {
      if (opts.signal?.aborted) break;
      const intended = intervalMs > 0 ? start + (k * intervalMs) / c + i * intervalMs : performance.now();
      if (intended >= deadline) break;
      if (intended > performance.now()) await sleepUntil(intended, opts.signal);
      if (opts.signal?.aborted) break;
      // A late call is timed from when it should have gone out; a timer that fired a little early
      // must not make latency look shorter than the exchange itself, so then it is the write.
      const from = Math.min(intended, performance.now());
      const outcome = await conn.send(request, hasResponseBody, opts.timeoutMs);
      const now = performance.now();
      lastAnswer = Math.max(lastAnswer, now);
      record(outcome, now - from);
    }
    conn.close();
  };
  await Promise.all(conns.map((conn, k) => worker(k, conn)));
  result.actualDurationMs = lastAnswer - start;
  return result;
}

/** Calls connection k makes out of n over c connections: the remainder goes to the first ones. */
export function callsFor(k: number, c: number, n: number): number {
  return Math.floor(n / c) + (k < n % c ? 1 : 0);
}

/** Waits for the timer to reach `t` (it may fire a fraction of a millisecond early), or an abort. */
function sleepUntil(t: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, t - performance.now()));
    signal?.addEventListener('abort', done, { once: true });
  });
}

// Open-loop HTTP/1.1 load at a fixed rate over a small pool of keep-alive connections (node:net),
// measuring latency from each request's intended send time (see open-loop.ts). wrk2 would do this
// but is not packaged by Debian; this is the part of it the benchmark needs.
//
// Timing resolution: Node's timers fire on millisecond ticks, so a request is written up to ~1 ms
// after its intended time. That lag is included in the latency (it is the generator's own error,
// the same for every target) and reported separately as sendLag so it can be subtracted by eye.
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { OpenLoopSchedule } from './open-loop.ts';
import { ResponseReader } from './response-reader.ts';
import { percentiles } from './stats.ts';

export interface LatencyLoadOptions {
  host?: string;
  port: number;
  rate: number;
  durationMs: number;
  connections: number;
  /** How long to wait for outstanding responses after the last intended send time. */
  drainMs?: number;
  path?: string;
}

export interface LatencyResult {
  rate: number;
  durationMs: number;
  connections: number;
  scheduled: number;
  completed: number;
  errors: number;
  unanswered: number;
  non2xx: number;
  /** Achieved completion rate over the schedule's length. */
  achievedRps: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  sendLagMs: { p50: number; p99: number; max: number };
  /** From the actual write to the response (no queueing, no send lag): diagnosis only. */
  serviceMs: { p50: number; p99: number };
  firstError?: string;
}

interface Conn {
  socket: Socket | undefined;
  reader: ResponseReader;
  connected: boolean;
  /** Intended time of the request in flight, or undefined when idle. */
  inFlight: number | undefined;
  /** When the request in flight was actually written. */
  sentAt: number;
}

export function runLatencyLoad(opts: LatencyLoadOptions): Promise<LatencyResult> {
  const host = opts.host ?? '127.0.0.1';
  const request = Buffer.from(
    `GET ${opts.path ?? '/'} HTTP/1.1\r\nHost: bench\r\nUser-Agent: weft-bench\r\n\r\n`,
    'latin1',
  );
  const drainMs = opts.drainMs ?? 5000;
  const conns: Conn[] = [];
  let schedule: OpenLoopSchedule | undefined;
  let firstError: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });

  const noteError = (msg: string): void => {
    firstError ??= msg;
  };

  const open = (c: Conn): Promise<void> =>
    new Promise((resolve) => {
      const s = connect({ host, port: opts.port });
      s.setNoDelay(true);
      c.socket = s;
      c.reader = new ResponseReader();
      c.connected = false;
      s.on('connect', () => {
        c.connected = true;
        resolve();
        pump();
      });
      s.on('data', (chunk: Buffer) => onData(c, chunk));
      s.on('error', (e) => noteError(`connection error: ${e.message}`));
      s.on('close', () => {
        resolve();
        if (c.socket !== s) return;
        c.socket = undefined;
        c.connected = false;
        if (c.inFlight !== undefined) {
          c.inFlight = undefined;
          schedule?.fail();
          noteError('connection closed with a request in flight');
        }
        // Reconnect lazily while the run is still going, so one reset does not shrink the pool.
        if (schedule && !schedule.finished) void open(c);
        checkFinished();
      });
    });

  const onData = (c: Conn, chunk: Buffer): void => {
    const ends = c.reader.push(chunk);
    const now = performance.now();
    if (typeof ends === 'string') {
      noteError(ends);
      c.socket?.destroy();
      return;
    }
    for (const end of ends) {
      if (c.inFlight === undefined) {
        noteError('response without a request');
        continue;
      }
      schedule?.complete(c.inFlight, c.sentAt, now, end.status);
      c.inFlight = undefined;
      if (!end.keepAlive) c.socket?.end();
    }
    pump();
  };

  const pump = (): void => {
    if (!schedule) return;
    const now = performance.now();
    schedule.release(now);
    for (const c of conns) {
      if (schedule.queued === 0) break;
      if (!c.connected || c.inFlight !== undefined || !c.socket) continue;
      c.inFlight = schedule.take(now);
      c.sentAt = now;
      c.socket.write(request);
    }
    checkFinished();
  };

  const checkFinished = (): void => {
    if (schedule?.finished) resolveDone();
  };

  const tick = (): void => {
    pump();
    const next = schedule?.nextDueTime();
    if (next === undefined) return;
    timer = setTimeout(tick, Math.max(0, next - performance.now()));
  };

  return (async () => {
    for (let i = 0; i < opts.connections; i++) {
      conns.push({
        socket: undefined,
        reader: new ResponseReader(),
        connected: false,
        inFlight: undefined,
        sentAt: 0,
      });
    }
    await Promise.all(conns.map(open));
    if (!conns.some((c) => c.connected)) {
      for (const c of conns) c.socket?.destroy();
      throw new Error(`could not connect to ${host}:${opts.port}: ${firstError ?? 'unknown error'}`);
    }
    const s = new OpenLoopSchedule({ rate: opts.rate, durationMs: opts.durationMs }, performance.now());
    schedule = s;
    tick();
    const cutoff = new Promise<void>((r) => setTimeout(r, opts.durationMs + drainMs).unref());
    await Promise.race([done, cutoff]);
    clearTimeout(timer);
    const sched = s;
    schedule = undefined; // stop reconnects and pumping before closing sockets
    for (const c of conns) c.socket?.destroy();
    return summarize(sched, opts, firstError);
  })();
}

function summarize(
  s: OpenLoopSchedule,
  opts: LatencyLoadOptions,
  firstError: string | undefined,
): LatencyResult {
  const lat = percentiles(s.latencyMs.subarray(0, s.completed), [50, 90, 99, 99.9, 100]);
  const lag = percentiles(s.sendLagMs.subarray(0, s.sent), [50, 99, 100]);
  const service = percentiles(s.serviceMs.subarray(0, s.completed), [50, 99]);
  let non2xx = 0;
  for (const [status, n] of s.statusCounts) if (status < 200 || status > 299) non2xx += n;
  const result: LatencyResult = {
    rate: opts.rate,
    durationMs: opts.durationMs,
    connections: opts.connections,
    scheduled: s.total,
    completed: s.completed,
    errors: s.errors,
    unanswered: s.unanswered,
    non2xx,
    achievedRps: (s.completed * 1000) / opts.durationMs,
    latencyMs: {
      p50: lat['p50']!,
      p90: lat['p90']!,
      p99: lat['p99']!,
      p999: lat['p99.9']!,
      max: lat['p100']!,
    },
    sendLagMs: { p50: lag['p50']!, p99: lag['p99']!, max: lag['p100']! },
    serviceMs: { p50: service['p50']!, p99: service['p99']! },
  };
  if (firstError !== undefined) result.firstError = firstError;
  return result;
}

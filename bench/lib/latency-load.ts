// Open-loop HTTP/1.1 load at a fixed rate over a small pool of keep-alive connections (node:net),
// measuring latency from each request's intended send time (see open-loop.ts). wrk2 would do this
// but is not packaged by Debian; this is the part of it the benchmark needs.
//
// Timing resolution: Node's timers fire on millisecond ticks, so a request is written up to ~1 ms
// after its intended time. That lag is included in the latency (it is the generator's own error,
// the same for every target) and reported separately as sendLag so it can be subtracted by eye.
//
// Interleaved runs (runInterleavedLatency) measure several targets in turns of `sliceMs` each
// over keep-alive connections held to all of them, so slow swings of the machine (another tenant
// of the host, its frequency) fall on every target alike instead of on whichever ran during them.
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { OpenLoopSchedule } from './open-loop.ts';
import { ResponseReader } from './response-reader.ts';
import { percentiles } from './stats.ts';
import { turnOrder } from './turns.ts';

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

/**
 * Turns of the interleaved runs. Short enough that the machine's slow swings fall on every target
 * alike; long enough that a turn is hundreds of requests (250 at 1,000 rps).
 */
export const DEFAULT_SLICE_MS = 250;

export interface InterleavedLatencyOptions extends Omit<LatencyLoadOptions, 'port'> {
  ports: readonly number[];
  /** Length of one target's turn; `durationMs` is each target's total. */
  sliceMs: number;
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

/** Keep-alive connections to one target, which run open-loop schedules one after another. */
class LatencyClient {
  private readonly host: string;
  private readonly port: number;
  private readonly request: Buffer;
  private readonly conns: Conn[] = [];
  private schedule: OpenLoopSchedule | undefined;
  private timer: NodeJS.Timeout | undefined;
  private finished: () => void = () => {};
  private closed = false;
  firstError: string | undefined;

  constructor(host: string, port: number, connections: number, path: string) {
    this.host = host;
    this.port = port;
    this.request = Buffer.from(
      `GET ${path} HTTP/1.1\r\nHost: bench\r\nUser-Agent: weft-bench\r\n\r\n`,
      'latin1',
    );
    for (let i = 0; i < connections; i++) {
      this.conns.push({
        socket: undefined,
        reader: new ResponseReader(),
        connected: false,
        inFlight: undefined,
        sentAt: 0,
      });
    }
  }

  /** Opens every connection; rejects when none could connect. */
  async open(): Promise<void> {
    await Promise.all(this.conns.map((c) => this.openConn(c)));
    if (!this.conns.some((c) => c.connected)) {
      this.close();
      throw new Error(
        `could not connect to ${this.host}:${this.port}: ${this.firstError ?? 'unknown error'}`,
      );
    }
  }

  /** Runs `schedule` to its end, or until `cutoffMs` have passed (its rest counts as unanswered). */
  async run(schedule: OpenLoopSchedule, cutoffMs: number): Promise<void> {
    this.schedule = schedule;
    const done = new Promise<void>((r) => {
      this.finished = r;
    });
    this.tick();
    let cutoff: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((r) => (cutoff = setTimeout(r, cutoffMs)))]);
    clearTimeout(cutoff);
    clearTimeout(this.timer);
    this.schedule = undefined;
    // A request still in flight would answer into the next schedule: its connection starts over.
    for (const c of this.conns) {
      if (c.inFlight === undefined) continue;
      c.inFlight = undefined;
      c.socket?.destroy();
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const c of this.conns) c.socket?.destroy();
  }

  private noteError(msg: string): void {
    this.firstError ??= msg;
  }

  private openConn(c: Conn): Promise<void> {
    return new Promise((resolve) => {
      const s = connect({ host: this.host, port: this.port });
      s.setNoDelay(true);
      c.socket = s;
      c.reader = new ResponseReader();
      c.connected = false;
      s.on('connect', () => {
        c.connected = true;
        resolve();
        this.pump();
      });
      s.on('data', (chunk: Buffer) => this.onData(c, chunk));
      s.on('error', (e) => this.noteError(`connection error: ${e.message}`));
      s.on('close', () => {
        resolve();
        if (c.socket !== s) return;
        c.socket = undefined;
        c.connected = false;
        if (c.inFlight !== undefined) {
          c.inFlight = undefined;
          this.schedule?.fail();
          this.noteError('connection closed with a request in flight');
        }
        // Reconnect lazily, so one reset does not shrink the pool for the rest of the run.
        if (!this.closed) void this.openConn(c);
        this.checkFinished();
      });
    });
  }

  private onData(c: Conn, chunk: Buffer): void {
    const ends = c.reader.push(chunk);
    const now = performance.now();
    if (typeof ends === 'string') {
      this.noteError(ends);
      c.socket?.destroy();
      return;
    }
    for (const end of ends) {
      if (c.inFlight === undefined) {
        this.noteError('response without a request');
        continue;
      }
      this.schedule?.complete(c.inFlight, c.sentAt, now, end.status);
      c.inFlight = undefined;
      if (!end.keepAlive) c.socket?.end();
    }
    this.pump();
  }

  private pump(): void {
    const schedule = this.schedule;
    if (!schedule) return;
    const now = performance.now();
    schedule.release(now);
    for (const c of this.conns) {
      if (schedule.queued === 0) break;
      if (!c.connected || c.inFlight !== undefined || !c.socket) continue;
      c.inFlight = schedule.take(now);
      c.sentAt = now;
      c.socket.write(this.request);
    }
    this.checkFinished();
  }

  private checkFinished(): void {
    if (this.schedule?.finished) this.finished();
  }

  private readonly tick = (): void => {
    this.pump();
    const next = this.schedule?.nextDueTime();
    if (next === undefined) return;
    this.timer = setTimeout(this.tick, Math.max(0, next - performance.now()));
  };
}

export async function runLatencyLoad(opts: LatencyLoadOptions): Promise<LatencyResult> {
  const client = new LatencyClient(opts.host ?? '127.0.0.1', opts.port, opts.connections, opts.path ?? '/');
  await client.open();
  try {
    const s = new OpenLoopSchedule({ rate: opts.rate, durationMs: opts.durationMs }, performance.now());
    await client.run(s, opts.durationMs + (opts.drainMs ?? 5000));
    return summarize([s], opts, client.firstError);
  } finally {
    client.close();
  }
}

/**
 * Each of `ports` loaded at `rate` for `durationMs` in all, in turns of `sliceMs`: one target at a
 * time (alone on its core, as in runLatencyLoad), the order rotated every cycle. Results in the
 * order of `ports`.
 */
export async function runInterleavedLatency(opts: InterleavedLatencyOptions): Promise<LatencyResult[]> {
  if (!(opts.sliceMs > 0)) throw new RangeError(`sliceMs must be positive, got ${opts.sliceMs}`);
  const clients = opts.ports.map(
    (port) => new LatencyClient(opts.host ?? '127.0.0.1', port, opts.connections, opts.path ?? '/'),
  );
  try {
    await Promise.all(clients.map((c) => c.open()));
    const slices: OpenLoopSchedule[][] = clients.map(() => []);
    const indexes = clients.map((_, i) => i);
    const drainMs = opts.drainMs ?? 5000;
    for (let done = 0, cycle = 0; done < opts.durationMs; done += opts.sliceMs, cycle++) {
      const sliceMs = Math.min(opts.sliceMs, opts.durationMs - done);
      for (const i of turnOrder(indexes, cycle)) {
        const s = new OpenLoopSchedule({ rate: opts.rate, durationMs: sliceMs }, performance.now());
        await clients[i]!.run(s, sliceMs + drainMs);
        slices[i]!.push(s);
      }
    }
    return clients.map((c, i) => summarize(slices[i]!, { ...opts, port: opts.ports[i]! }, c.firstError));
  } finally {
    for (const c of clients) c.close();
  }
}

/** The concatenation of the first `count(s)` values of each schedule's `pick(s)`. */
function joined(
  schedules: readonly OpenLoopSchedule[],
  pick: (s: OpenLoopSchedule) => Float64Array,
  count: (s: OpenLoopSchedule) => number,
): Float64Array {
  const out = new Float64Array(schedules.reduce((n, s) => n + count(s), 0));
  let at = 0;
  for (const s of schedules) {
    out.set(pick(s).subarray(0, count(s)), at);
    at += count(s);
  }
  return out;
}

function summarize(
  schedules: readonly OpenLoopSchedule[],
  opts: LatencyLoadOptions,
  firstError: string | undefined,
): LatencyResult {
  const completed = (s: OpenLoopSchedule): number => s.completed;
  const lat = percentiles(
    joined(schedules, (s) => s.latencyMs, completed),
    [50, 90, 99, 99.9, 100],
  );
  const lag = percentiles(
    joined(
      schedules,
      (s) => s.sendLagMs,
      (s) => s.sent,
    ),
    [50, 99, 100],
  );
  const service = percentiles(
    joined(schedules, (s) => s.serviceMs, completed),
    [50, 99],
  );
  let non2xx = 0;
  let total = 0;
  let done = 0;
  let errors = 0;
  let unanswered = 0;
  for (const s of schedules) {
    for (const [status, n] of s.statusCounts) if (status < 200 || status > 299) non2xx += n;
    total += s.total;
    done += s.completed;
    errors += s.errors;
    unanswered += s.unanswered;
  }
  const result: LatencyResult = {
    rate: opts.rate,
    durationMs: opts.durationMs,
    connections: opts.connections,
    scheduled: total,
    completed: done,
    errors,
    unanswered,
    non2xx,
    achievedRps: (done * 1000) / opts.durationMs,
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

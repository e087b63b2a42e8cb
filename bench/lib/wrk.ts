// Maximum-throughput runs with wrk (closed loop, keep-alive): the argument list and the parsing of
// its text report. wrk's latency numbers are not used: being closed-loop they omit the queueing a
// stall causes; fixed-rate latency comes from latency-load.ts instead.

export interface WrkOptions {
  url: string;
  threads: number;
  connections: number;
  durationS: number;
}

export interface WrkResult {
  requestsPerSec: number;
  requests: number;
  /** Responses with a status outside 2xx/3xx. */
  non2xx3xx: number;
  /** connect + read + write + timeout socket errors. */
  socketErrors: number;
}

export function wrkArgs(o: WrkOptions): string[] {
  return [`-t${o.threads}`, `-c${o.connections}`, `-d${o.durationS}s`, o.url];
}

/** Reads wrk's report; a string explains what was missing when it is not one. */
export function parseWrkOutput(text: string): WrkResult | string {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  const total = /^\s*(\d+) requests in /m.exec(text);
  if (!rps || !total) return `unrecognised wrk output: ${JSON.stringify(text.slice(0, 200))}`;
  const non = /^\s*Non-2xx or 3xx responses:\s+(\d+)/m.exec(text);
  const sock = /^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/m.exec(text);
  const socketErrors = sock ? sock.slice(1, 5).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    requestsPerSec: Number(rps[1]),
    requests: Number(total[1]),
    non2xx3xx: non ? Number(non[1]) : 0,
    socketErrors,
  };
}

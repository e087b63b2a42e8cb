// One keep-alive HTTP/1.1 client connection with one request in flight at a time. It reconnects
// whenever the server closed the previous socket, and reports every socket it opens so the run
// can print fortio's "Sockets used" line (perfect keep-alive opens one per connection).

import { connect, type Socket } from 'node:net';
import { type ParsedResponse, ResponseParser } from './response-parser.ts';

/** A response, or a failure (status -1, as fortio counts errors) with the reason. */
export type Outcome = ParsedResponse | { status: -1; error: string };

interface Pending {
  request: Buffer;
  hasResponseBody: boolean;
  resolve: (o: Outcome) => void;
  timer: NodeJS.Timeout | undefined;
  /** Whether the request went out on a socket that had already carried a response. */
  reused: boolean;
  retried: boolean;
}

export interface ConnectionOptions {
  host: string;
  port: number;
  /** Called for every socket opened (initial and reconnects). */
  onSocket: () => void;
  keepBody?: boolean;
}

export class LoadConnection {
  readonly #opts: ConnectionOptions;
  #socket: Socket | undefined;
  #parser = new ResponseParser();
  #served = 0;
  #pending: Pending | undefined;

  constructor(opts: ConnectionOptions) {
    this.#opts = opts;
  }

  /** Opens the socket ahead of the first request; rejects with the connect error. */
  open(): Promise<void> {
    const socket = this.#ensureSocket();
    if (!socket.connecting) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve();
      });
    });
  }

  /** Sends one request and resolves with its response or failure; never rejects. */
  send(request: Buffer, hasResponseBody: boolean, timeoutMs: number): Promise<Outcome> {
    return new Promise((resolve) => {
      const pending: Pending = {
        request,
        hasResponseBody,
        resolve,
        timer: undefined,
        reused: false,
        retried: false,
      };
      if (timeoutMs > 0)
        pending.timer = setTimeout(() => {
          this.#settle({ status: -1, error: `timeout after ${timeoutMs} ms` });
          this.#drop();
        }, timeoutMs);
      this.#pending = pending;
      this.#write(pending);
    });
  }

  close(): void {
    this.#drop();
  }

  #write(p: Pending): void {
    const socket = this.#ensureSocket();
    p.reused = this.#served > 0;
    this.#parser.expectBody(p.hasResponseBody);
    socket.write(p.request);
  }

  #ensureSocket(): Socket {
    if (this.#socket) return this.#socket;
    const socket = connect({ host: this.#opts.host, port: this.#opts.port, noDelay: true });
    this.#opts.onSocket();
    this.#socket = socket;
    this.#served = 0;
    this.#parser = new ResponseParser({ keepBody: this.#opts.keepBody ?? false });
    const parser = this.#parser;
    let lastError = '';
    socket.on('data', (chunk: Buffer) => {
      if (socket !== this.#socket) return;
      const out = parser.push(chunk);
      if (!Array.isArray(out)) {
        this.#settle({ status: -1, error: out.error });
        this.#drop();
        return;
      }
      for (const r of out) {
        this.#served++;
        this.#settle(r);
        if (!r.keepAlive) this.#drop();
      }
    });
    socket.on('error', (err) => {
      lastError = err.message;
    });
    socket.on('close', () => {
      if (socket !== this.#socket) return;
      this.#socket = undefined;
      const p = this.#pending;
      if (!p) return;
      const end = parser.end();
      if (end && !('error' in end)) return this.#settle(end);
      // A server may close an idle keep-alive connection just as we reuse it; like HTTP clients
      // do, send once more on a fresh socket when not a byte of the answer had arrived.
      if (end === undefined && p.reused && !p.retried) {
        p.retried = true;
        return this.#write(p);
      }
      this.#settle({ status: -1, error: end?.error ?? (lastError || 'connection closed before a response') });
    });
    return socket;
  }

  #settle(o: Outcome): void {
    const p = this.#pending;
    if (!p) return;
    this.#pending = undefined;
    if (p.timer) clearTimeout(p.timer);
    p.resolve(o);
  }

  #drop(): void {
    const s = this.#socket;
    this.#socket = undefined;
    s?.destroy();
  }
}

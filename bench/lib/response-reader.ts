// Finds the ends of HTTP/1.1 responses in a keep-alive byte stream, for the latency load
// generator. It reads only what framing needs (status, Content-Length, chunked, Connection) and
// never buffers bodies it can skip. Bad framing is reported as a value, not thrown.

export interface ResponseEnd {
  status: number;
  /** false when the server said `Connection: close` (or spoke HTTP/1.0 without keep-alive). */
  keepAlive: boolean;
}

type State =
  | { kind: 'head' }
  | { kind: 'length'; remaining: number; end: ResponseEnd }
  | { kind: 'chunk-size'; end: ResponseEnd }
  | { kind: 'chunk-data'; remaining: number; end: ResponseEnd }
  | { kind: 'trailers'; end: ResponseEnd };

/** One parsing step: a finished response, progress within one, a wait for bytes, or bad framing. */
type Step = ResponseEnd | 'progress' | 'need-more' | { error: string };

const CRLF = Buffer.from('\r\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');
const MAX_HEAD = 64 * 1024;

export class ResponseReader {
  #buf: Buffer = Buffer.alloc(0);
  #state: State = { kind: 'head' };

  /**
   * Feeds bytes; returns the responses completed by them (usually zero or one), or an error
   * string when the stream is not valid HTTP/1.1 framing.
   */
  push(chunk: Buffer): ResponseEnd[] | string {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const done: ResponseEnd[] = [];
    for (;;) {
      const step = this.#step();
      if (step === 'need-more') return done;
      if (step === 'progress') continue;
      if ('error' in step) return step.error;
      done.push(step);
    }
  }

  #step(): Step {
    const s = this.#state;
    switch (s.kind) {
      case 'head': {
        const at = this.#buf.indexOf(CRLFCRLF);
        if (at < 0)
          return this.#buf.length > MAX_HEAD ? { error: 'response head larger than 64 KiB' } : 'need-more';
        const head = this.#buf.toString('latin1', 0, at);
        this.#buf = this.#buf.subarray(at + 4);
        return this.#startBody(head);
      }
      case 'length': {
        const take = Math.min(s.remaining, this.#buf.length);
        this.#buf = this.#buf.subarray(take);
        s.remaining -= take;
        if (s.remaining > 0) return 'need-more';
        this.#state = { kind: 'head' };
        return s.end;
      }
      case 'chunk-size': {
        const at = this.#buf.indexOf(CRLF);
        if (at < 0) return this.#buf.length > 1024 ? { error: 'chunk size line too long' } : 'need-more';
        const line = this.#buf.toString('latin1', 0, at);
        this.#buf = this.#buf.subarray(at + 2);
        const size = Number.parseInt(line.split(';', 1)[0]!.trim(), 16);
        if (!Number.isFinite(size) || size < 0)
          return { error: `bad chunk size line: ${JSON.stringify(line)}` };
        this.#state =
          size === 0
            ? { kind: 'trailers', end: s.end }
            : { kind: 'chunk-data', remaining: size + 2, end: s.end };
        return 'progress';
      }
      case 'chunk-data': {
        const take = Math.min(s.remaining, this.#buf.length);
        this.#buf = this.#buf.subarray(take);
        s.remaining -= take;
        if (s.remaining > 0) return 'need-more';
        this.#state = { kind: 'chunk-size', end: s.end };
        return 'progress';
      }
      case 'trailers': {
        const at = this.#buf.indexOf(CRLF);
        if (at < 0) return 'need-more';
        this.#buf = this.#buf.subarray(at + 2);
        if (at > 0) return 'progress'; // one trailer line; the empty line ends the message
        this.#state = { kind: 'head' };
        return s.end;
      }
    }
  }

  #startBody(head: string): Step {
    const m = /^HTTP\/1\.([01]) (\d{3})/.exec(head);
    if (!m) return { error: `not an HTTP/1.x status line: ${JSON.stringify(head.slice(0, 60))}` };
    const status = Number(m[2]);
    let length: number | undefined;
    let chunked = false;
    let connection = '';
    for (const line of head.split('\r\n').slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') length = Number(value);
      else if (name === 'transfer-encoding') chunked = value.toLowerCase().includes('chunked');
      else if (name === 'connection') connection = value.toLowerCase();
    }
    const keepAlive = m[1] === '1' ? connection !== 'close' : connection === 'keep-alive';
    const end: ResponseEnd = { status, keepAlive };
    const bodiless = status === 204 || status === 304 || (status >= 100 && status < 200);
    if (bodiless) return end;
    if (chunked) {
      this.#state = { kind: 'chunk-size', end };
      return 'progress';
    }
    if (length === undefined)
      return {
        error:
          'response without Content-Length or chunked encoding (close-delimited bodies are not supported)',
      };
    if (!Number.isInteger(length) || length < 0) return { error: 'bad Content-Length' };
    if (length === 0) return end;
    this.#state = { kind: 'length', remaining: length, end };
    return 'progress';
  }
}

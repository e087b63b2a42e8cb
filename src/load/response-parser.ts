// Finds where each HTTP/1.1 response ends in a keep-alive byte stream: status line, then a body
// framed by Content-Length, chunked encoding, or (HTTP/1.0 style) the server closing. Bodies are
// only counted unless the caller asks to keep them (curl mode). Bad framing is a returned error.

export interface ParsedResponse {
  status: number;
  /** Status line and header lines, CRLF-separated, without the blank line. */
  head: string;
  /** Bytes of the head including the blank line. */
  headerBytes: number;
  /** Body bytes after de-chunking. */
  bodyBytes: number;
  /** The body, when the parser keeps bodies. */
  body: Buffer | undefined;
  /** false when the server will close the connection after this response. */
  keepAlive: boolean;
}

export interface ParseError {
  error: string;
}

type Phase = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailers' | 'until-close';

/** A step that moved the parser on without completing a response. */
const PROGRESS = Symbol('progress');
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const MAX_HEAD = 64 * 1024;

export class ResponseParser {
  readonly #keepBody: boolean;
  #buf: Buffer = Buffer.alloc(0);
  #phase: Phase = 'head';
  #remaining = 0;
  #current: ParsedResponse | undefined;
  #chunks: Buffer[] = [];
  #bodiless = false;

  constructor(opts: { keepBody?: boolean } = {}) {
    this.#keepBody = opts.keepBody ?? false;
  }

  /** Call before each request: a HEAD request's response has headers only. */
  expectBody(hasBody: boolean): void {
    this.#bodiless = !hasBody;
  }

  /** True once any byte of a response not yet complete has arrived. */
  get inResponse(): boolean {
    return this.#phase !== 'head' || this.#buf.length > 0;
  }

  /** Feeds bytes; returns the responses they complete, or an error for bad framing. */
  push(chunk: Buffer): ParsedResponse[] | ParseError {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const done: ParsedResponse[] = [];
    for (;;) {
      const r = this.#step();
      if (r === undefined) return done;
      if (r === PROGRESS) continue;
      if ('error' in r) return r;
      done.push(r);
    }
  }

  /** The server closed: completes a close-delimited body, or says what was cut off. */
  end(): ParsedResponse | ParseError | undefined {
    if (this.#phase === 'until-close') return this.#finish();
    if (!this.inResponse) return undefined;
    return { error: 'connection closed in the middle of a response' };
  }

  #step(): ParsedResponse | ParseError | typeof PROGRESS | undefined {
    switch (this.#phase) {
      case 'head': {
        const at = this.#buf.indexOf(HEAD_END);
        if (at < 0)
          return this.#buf.length > MAX_HEAD ? { error: 'response head larger than 64 KiB' } : undefined;
        const head = this.#buf.toString('latin1', 0, at);
        this.#buf = this.#buf.subarray(at + 4);
        return this.#startBody(head, at + 4);
      }
      case 'length':
      case 'chunk-data':
      case 'until-close': {
        const take =
          this.#phase === 'until-close' ? this.#buf.length : Math.min(this.#remaining, this.#buf.length);
        if (take === 0) return undefined;
        this.#consumeBody(take);
        this.#remaining -= take;
        if (this.#phase === 'until-close' || this.#remaining > 0) return undefined;
        if (this.#phase === 'length') return this.#finish();
        this.#phase = 'chunk-crlf';
        return PROGRESS;
      }
      case 'chunk-crlf': {
        if (this.#buf.length < 2) return undefined;
        if (this.#buf[0] !== 13 || this.#buf[1] !== 10) return { error: 'missing CRLF after chunk data' };
        this.#buf = this.#buf.subarray(2);
        this.#phase = 'chunk-size';
        return PROGRESS;
      }
      case 'chunk-size': {
        const at = this.#buf.indexOf(CRLF);
        if (at < 0) return this.#buf.length > 1024 ? { error: 'chunk size line too long' } : undefined;
        const line = this.#buf.toString('latin1', 0, at).split(';', 1)[0]!.trim();
        this.#buf = this.#buf.subarray(at + 2);
        if (!/^[0-9a-f]+$/i.test(line)) return { error: `bad chunk size ${JSON.stringify(line)}` };
        this.#remaining = Number.parseInt(line, 16);
        this.#phase = this.#remaining === 0 ? 'trailers' : 'chunk-data';
        return PROGRESS;
      }
      case 'trailers': {
        const at = this.#buf.indexOf(CRLF);
        if (at < 0) return undefined;
        this.#buf = this.#buf.subarray(at + 2);
        return at === 0 ? this.#finish() : PROGRESS; // the empty line ends the message
      }
    }
  }

  #startBody(head: string, headerBytes: number): ParsedResponse | ParseError | typeof PROGRESS {
    const m = /^HTTP\/1\.([01]) (\d{3})/.exec(head);
    if (!m) return { error: `not an HTTP/1.x response: ${JSON.stringify(head.slice(0, 60))}` };
    const status = Number(m[2]);
    // Interim responses (100 Continue, 103 Early Hints) precede the real one.
    if (status >= 100 && status < 200 && status !== 101) return PROGRESS;
    let length: number | undefined;
    let chunked = false;
    let connection = '';
    for (const line of head.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') length = /^\d+$/.test(value) ? Number(value) : Number.NaN;
      else if (name === 'transfer-encoding') chunked = value.toLowerCase().includes('chunked');
      else if (name === 'connection') connection = value.toLowerCase();
    }
    const keepAlive = m[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    this.#current = { status, head, headerBytes, bodyBytes: 0, body: undefined, keepAlive };
    this.#chunks = [];
    if (this.#bodiless || status === 204 || status === 304 || status === 101) return this.#finish();
    if (chunked) {
      this.#phase = 'chunk-size';
      return PROGRESS;
    }
    if (length !== undefined) {
      if (Number.isNaN(length)) return { error: 'bad Content-Length' };
      if (length === 0) return this.#finish();
      this.#phase = 'length';
      this.#remaining = length;
      return PROGRESS;
    }
    this.#current.keepAlive = false;
    this.#phase = 'until-close';
    return PROGRESS;
  }

  #consumeBody(n: number): void {
    if (this.#keepBody) this.#chunks.push(Buffer.from(this.#buf.subarray(0, n)));
    this.#current!.bodyBytes += n;
    this.#buf = this.#buf.subarray(n);
  }

  #finish(): ParsedResponse {
    const r = this.#current!;
    if (this.#keepBody) r.body = Buffer.concat(this.#chunks);
    this.#current = undefined;
    this.#chunks = [];
    this.#phase = 'head';
    return r;
  }
}

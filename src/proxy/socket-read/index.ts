// Reading plain-TCP sockets into one shared buffer, with no Buffer allocated, no stream buffering
// and no 'data' event per read: Node's own `onread` mode (net.connect's option). Node offers it
// only to sockets it connects; an accepted socket is switched to it here by setting the same
// internal fields net.Socket's constructor sets for `onread`, found by their descriptions on a
// socket Node built itself. Node's read path, pause(), resume(), 'end' and 'close' then behave
// exactly as for a connected socket with `onread`. Where the fields cannot be found (another Node),
// or for TLS sockets (the TLS layer reads the handle itself), the socket keeps its 'data' events
// and the callback gets each chunk as usual. Reads with data then skip Node's JavaScript read
// handler too (directReads), and each is handed over as a cached view (readView).
import net from 'node:net';
import { enterEvent, leaveEvent } from '../event-clock/index.ts';
import { STREAM_WRAP } from '../stream-wrap/index.ts';

/**
 * The one read buffer of every socket read through this module: the kernel copies into it and the
 * callback sees a view of it. One buffer serves all sockets because each read is handed to its
 * callback, synchronously, before the event loop performs the next.
 */
export const READ_BUFFER: Buffer = Buffer.allocUnsafe(64 * 1024);

/**
 * The views of READ_BUFFER's first n bytes, one per n up to VIEW_CACHE_MAX, made once. A read hands
 * its callback such a view; making a fresh one for every read (a typed array each time) was about
 * 1 % of the proxy's CPU per request (bench:proxy-ab, 9 rounds). A cached view is exactly what a
 * fresh one would be: the same bytes, valid until the next read.
 */
const VIEW_CACHE_MAX = 4096;
const VIEWS: (Buffer | undefined)[] = new Array<Buffer | undefined>(VIEW_CACHE_MAX + 1).fill(undefined);

/** READ_BUFFER[0..n) as a Buffer. */
export function readView(n: number): Buffer {
  if (n > VIEW_CACHE_MAX) return READ_BUFFER.subarray(0, n);
  let v = VIEWS[n];
  if (v === undefined) v = VIEWS[n] = READ_BUFFER.subarray(0, n);
  return v;
}

/**
 * Receives the bytes of one read. With the shared buffer, `chunk` is valid only during the call:
 * whatever must outlive it (a partial head, a body chunk handed to a socket write, a retry copy)
 * has to be copied. Returning nothing keeps the socket reading; its owner pauses it when it must.
 */
export type ReadCallback = (chunk: Buffer) => void;

/** `onread` options for net.connect that deliver into READ_BUFFER (then call directReads). */
export function connectReadOptions(cb: ReadCallback): net.OnReadOpts {
  return { buffer: READ_BUFFER, callback: onreadCallback(cb) };
}

/** Node's stream_wrap binding: where the native side leaves a read's byte count. */
interface ReadStateBinding {
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
}

const READ_STATE: ReadStateBinding | undefined =
  STREAM_WRAP?.streamBaseState instanceof Int32Array && typeof STREAM_WRAP.kReadBytesOrError === 'number'
    ? (STREAM_WRAP as ReadStateBinding)
    : undefined;

type OnreadMethod = (this: unknown, arrayBuffer: unknown) => unknown;

/**
 * For a socket in `onread` mode: reads with data go from the handle straight to `cb`. Node's own
 * handler (onStreamRead) runs for every read of every socket — it refreshes the socket's
 * setTimeout timer, looks up the buffer and callback by symbol and checks for a buffer generator —
 * about 0.7 % of the proxy's CPU per request (bench:proxy-ab, 9 of 9 rounds better). EOF, errors
 * and reads after destroy() still go to Node's handler, so 'end', 'close' and errors are Node's.
 * The cost: socket.setTimeout() is not refreshed by such reads (weft's proxy sockets use their own
 * idle timers instead). Does nothing where the binding or the handle is not as expected.
 */
export function directReads(socket: net.Socket, cb: ReadCallback): void {
  const handle = (socket as unknown as { _handle?: { onread?: OnreadMethod } | null })._handle;
  if (READ_STATE === undefined || !handle || typeof handle.onread !== 'function') return;
  const nodeOnread = handle.onread;
  const state = READ_STATE.streamBaseState;
  const at = READ_STATE.kReadBytesOrError;
  handle.onread = function onread(this: unknown, arrayBuffer: unknown): unknown {
    const n = state[at]!;
    if (n > 0 && !socket.destroyed) {
      deliver(cb, readView(n));
      return undefined;
    }
    return nodeOnread.call(this, arrayBuffer);
  };
}

/** An `onread` callback: the `n` bytes Node read into READ_BUFFER, delivered to `cb`. */
function onreadCallback(cb: ReadCallback): (n: number) => boolean {
  return (n) => {
    deliver(cb, readView(n));
    // Not `false`, which would pause the socket.
    return true;
  };
}

/** Runs `cb` as one event of the event clock (one reading of each clock for the whole call). */
function deliver(cb: ReadCallback, chunk: Buffer): void {
  enterEvent();
  try {
    cb(chunk);
  } finally {
    leaveEvent();
  }
}

interface OnreadFields {
  buffer: symbol;
  callback: symbol;
}

/** net.Socket's internal `onread` fields (kBuffer, kBufferCb), from a socket built with the option. */
const FIELDS: OnreadFields | undefined = (() => {
  const probe = new net.Socket({ onread: { buffer: Buffer.alloc(1), callback: () => true } });
  const symbols = Object.getOwnPropertySymbols(probe);
  const buffer = symbols.find((s) => s.description === 'kBuffer');
  const callback = symbols.find((s) => s.description === 'kBufferCb');
  probe.destroy();
  return buffer && callback ? { buffer, callback } : undefined;
})();

interface UserBufferHandle {
  useUserBuffer(buf: Uint8Array): void;
}

function userBufferHandle(socket: net.Socket): UserBufferHandle | undefined {
  const handle = (socket as unknown as { _handle?: Partial<UserBufferHandle> })._handle;
  return handle && typeof handle.useUserBuffer === 'function' ? (handle as UserBufferHandle) : undefined;
}

/**
 * Delivers every further read of an accepted `socket` to `cb`: through READ_BUFFER when the socket
 * can be switched to `onread` mode (the callback must then copy what it keeps), else as 'data'
 * chunks. Bytes the socket had already buffered are delivered first, in order. Returns whether the
 * shared buffer is in use.
 */
export function readInto(socket: net.Socket, cb: ReadCallback): boolean {
  const handle = FIELDS && !('encrypted' in socket) ? userBufferHandle(socket) : undefined;
  if (FIELDS === undefined || handle === undefined) {
    socket.on('data', (chunk: Buffer) => deliver(cb, chunk));
    return false;
  }
  const fields = FIELDS;
  const target = socket as unknown as Record<symbol, unknown>;
  // Reads already taken into the stream's buffer (before the switch) go first.
  for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null)
    deliver(cb, chunk);
  target[fields.buffer] = READ_BUFFER;
  target[fields.callback] = onreadCallback(cb);
  handle.useUserBuffer(READ_BUFFER);
  directReads(socket, cb);
  return true;
}

// Reading plain-TCP sockets into one shared buffer, with no Buffer allocated, no stream buffering
// and no 'data' event per read: Node's own `onread` mode (net.connect's option). Node offers it
// only to sockets it connects; an accepted socket is switched to it here by setting the same
// internal fields net.Socket's constructor sets for `onread`, found by their descriptions on a
// socket Node built itself. Node's read path, pause(), resume(), 'end' and 'close' then behave
// exactly as for a connected socket with `onread`. Where the fields cannot be found (another Node),
// or for TLS sockets (the TLS layer reads the handle itself), the socket keeps its 'data' events
// and the callback gets each chunk as usual.
import net from 'node:net';
import { enterEvent, leaveEvent } from '../event-clock/index.ts';

/**
 * The one read buffer of every socket read through this module: the kernel copies into it and the
 * callback sees a view of it. One buffer serves all sockets because each read is handed to its
 * callback, synchronously, before the event loop performs the next.
 */
export const READ_BUFFER: Buffer = Buffer.allocUnsafe(64 * 1024);

/**
 * Receives the bytes of one read. With the shared buffer, `chunk` is valid only during the call:
 * whatever must outlive it (a partial head, a body chunk handed to a socket write, a retry copy)
 * has to be copied. Returning nothing keeps the socket reading; its owner pauses it when it must.
 */
export type ReadCallback = (chunk: Buffer) => void;

/** `onread` options for net.connect that deliver into READ_BUFFER. */
export function connectReadOptions(cb: ReadCallback): net.OnReadOpts {
  return { buffer: READ_BUFFER, callback: onreadCallback(cb) };
}

/** An `onread` callback: the `n` bytes Node read into READ_BUFFER, delivered to `cb`. */
function onreadCallback(cb: ReadCallback): (n: number) => boolean {
  return (n) => {
    deliver(cb, READ_BUFFER.subarray(0, n));
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
  return true;
}

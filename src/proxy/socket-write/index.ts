// Writing a request or response head straight to a plain-TCP socket's handle. A net.Socket write
// runs Writable.write → writeOrBuffer → _write → _writeGeneric → writeGeneric → handleWriteReq,
// then queues an after-write tick — about a microsecond per write on this project's machines, and
// a proxied request makes two head writes. When nothing is queued in the socket's Writable, the
// head goes to the same native write Node itself would call (libuv tries the write at once and
// queues the rest in order, so later Writable writes still follow it). Anything else — a TLS
// socket, a corked or busy Writable, another Node without the binding — takes socket.write.
import { Socket } from 'node:net';

interface WriteReq {
  handle: unknown;
  oncomplete: (this: WriteReq, status: number) => void;
  async: boolean;
  bytes: number;
  buffer: unknown;
  owner: Socket | undefined;
}

interface StreamWrapBinding {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}

interface DirectHandle {
  writeLatin1String(req: WriteReq, text: string): number;
  writeBuffer(req: WriteReq, buf: Buffer): number;
}

/** Node's stream_wrap binding (the WriteWrap request objects), or undefined where it is absent. */
const BINDING: StreamWrapBinding | undefined = (() => {
  try {
    const b = (process as unknown as { binding(name: string): Partial<StreamWrapBinding> }).binding(
      'stream_wrap',
    );
    if (typeof b.WriteWrap !== 'function' || !(b.streamBaseState instanceof Int32Array)) return undefined;
    if (typeof b.kLastWriteWasAsync !== 'number') return undefined;
    return b as StreamWrapBinding;
  } catch {
    return undefined;
  }
})();

/** A write libuv finished later: only a failure matters (the socket then closes, as Node does). */
function onComplete(this: WriteReq, status: number): void {
  const owner = this.owner;
  this.owner = undefined;
  if (status < 0 && owner !== undefined) owner.destroy();
}

/** net.Socket's count of bytes handed to the handle (what `bytesWritten` reports), by description. */
const BYTES_WRITTEN: symbol | undefined = (() => {
  const probe = new Socket();
  const found = Object.getOwnPropertySymbols(probe).find((sym) => sym.description === 'kBytesWritten');
  probe.destroy();
  return found !== undefined && typeof (probe as unknown as Record<symbol, unknown>)[found] === 'number'
    ? found
    : undefined;
})();

interface SocketInternals {
  _handle?: Partial<DirectHandle> | null;
  writableLength: number;
  writableCorked: number;
  writable: boolean;
  connecting: boolean;
  encrypted?: boolean;
}

/** The socket's handle when a head may go straight to it: plain TCP, nothing queued or corked. */
function idleHandle(socket: Socket): Partial<DirectHandle> | undefined {
  const s = socket as unknown as SocketInternals;
  const handle = s._handle;
  if (BINDING === undefined || BYTES_WRITTEN === undefined || handle == null) return undefined;
  if (s.encrypted !== undefined || s.connecting || !s.writable) return undefined;
  if (s.writableLength !== 0 || s.writableCorked !== 0) return undefined;
  return handle;
}

/**
 * A write request that completed at once is not kept by the native side, so the next write can
 * use it again: constructing one is a native call that costs as much as the rest of the write.
 */
let spare: WriteReq | undefined;

function newRequest(handle: unknown, socket: Socket): WriteReq {
  const req = spare ?? new BINDING!.WriteWrap();
  spare = undefined;
  req.handle = handle;
  req.oncomplete = onComplete;
  req.async = false;
  req.bytes = 0;
  req.buffer = null;
  req.owner = socket;
  return req;
}

/**
 * After the native write: a failure closes the socket (as Node's write path does); the bytes count
 * in socket.bytesWritten; a write libuv finishes later keeps `keep` alive until it is done.
 */
function dispatched(socket: Socket, req: WriteReq, err: number, bytes: number, keep: unknown): boolean {
  if (err !== 0) {
    req.owner = undefined;
    socket.destroy();
    return false;
  }
  (socket as unknown as Record<symbol, number>)[BYTES_WRITTEN!] += bytes;
  if (BINDING!.streamBaseState[BINDING!.kLastWriteWasAsync] !== 0) req.buffer = keep;
  else {
    req.owner = undefined;
    req.handle = null;
    spare = req;
  }
  return true;
}

/**
 * Writes `text` (latin1) to `socket`. Returns what socket.write returns: false once the socket's
 * Writable wants the caller to wait for 'drain'. A direct write never asks that — a head is small,
 * and if the kernel could not take it all, the body writes that follow queue behind it in the
 * Writable, which then applies its backpressure.
 */
export function writeHead(socket: Socket, text: string): boolean {
  const handle = idleHandle(socket);
  if (handle?.writeLatin1String === undefined) return socket.write(text, 'latin1');
  const req = newRequest(handle, socket);
  // A string libuv cannot take at once is copied by Node: nothing to keep alive.
  return dispatched(socket, req, handle.writeLatin1String(req, text), text.length, null);
}

/** As writeHead, for a head already in bytes (the forwarded response heads). */
export function writeHeadBytes(socket: Socket, bytes: Buffer): boolean {
  const handle = idleHandle(socket);
  if (handle?.writeBuffer === undefined) return socket.write(bytes);
  const req = newRequest(handle, socket);
  return dispatched(socket, req, handle.writeBuffer(req, bytes), bytes.length, bytes);
}

/** Whether heads go straight to the handle on this Node (tests assert the fast path is in use). */
export const DIRECT_HEAD_WRITES: boolean = BINDING !== undefined && BYTES_WRITTEN !== undefined;

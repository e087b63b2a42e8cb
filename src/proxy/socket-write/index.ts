// Writing a request or response head straight to a plain-TCP socket's handle, once the event
// loop's current batch of reads has been handled.
//
// Straight: a net.Socket write runs Writable.write → writeOrBuffer → _write → _writeGeneric →
// writeGeneric → handleWriteReq, then queues an after-write tick — about a microsecond per write on
// this project's machines, and a proxied request makes two head writes. When nothing is queued in
// the socket's Writable, the head goes to the same native write Node itself would call.
//
// Once the batch is handled: a head is held until the loop's poll phase has run every read
// callback of this turn, then all held heads are written together (setImmediate runs right after
// the poll phase). Envoy does the same — ConnectionImpl::write moves data into the connection's
// buffer and activates the write event, so the write(2) happens later in that dispatcher turn.
// Under load this is what keeps the peers' wake-ups down: each write to a peer that sleeps in
// epoll_wait wakes it with an inter-processor interrupt, which the writer pays for in the kernel;
// writes made back to back reach peers still awake from the previous one. Measured under
// bench:proxy: ~40 % fewer wake-ups per request; weft/nginx per-core throughput +3–4 % while
// wake-ups were dear, a little (CPU 0.967) where they were cheap (docs/proxy.md).
//
// A turn after a quiet one (one head) writes its first head at once: under light load there is
// nothing to batch, and holding would add the rest of the turn to every request's latency.
// Writing the first head at once in every turn kept little of the gain (0.78 and 0.73 against
// 0.81 and 0.79), since that write wakes the peer, which is asleep again when the rest go out.
//
// Order is kept: a socket whose Writable holds or is writing data takes socket.write, behind that
// data; and a held head is written before anything that reaches the socket after it — its Writable
// writes (_write, _writev) and its end (_final) first write the socket's held heads. destroy()
// drops them, as it drops the Writable's buffer (flushHeldWrites first, to close after them).
// Anything else — a TLS socket, a corked or busy Writable, a connecting socket, another Node
// without the binding — takes socket.write at once.
import { Socket } from 'node:net';
import { STREAM_WRAP } from '../stream-wrap/index.ts';

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
const BINDING: StreamWrapBinding | undefined =
  typeof STREAM_WRAP?.WriteWrap === 'function' &&
  STREAM_WRAP.streamBaseState instanceof Int32Array &&
  typeof STREAM_WRAP.kLastWriteWasAsync === 'number'
    ? (STREAM_WRAP as StreamWrapBinding)
    : undefined;

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
  _writableState?: WritableStateView;
  connecting: boolean;
  encrypted?: boolean;
}

/** What a socket's Writable state says about writing to its handle directly. */
interface WritableStateView {
  readonly length: number;
  readonly corked: number;
  readonly writable?: boolean;
  readonly ending: boolean;
  readonly ended: boolean;
  readonly destroyed: boolean;
  readonly errored: unknown;
}

/**
 * What this module keeps of one socket, made at its first head: the native handle and the
 * Writable's state, looked up once. A socket is reached through many hidden classes (accepted,
 * connected, with the hooks below or not), so each of its own getters (_handle, writableLength,
 * writable, destroyed, …) is a megamorphic lookup; the state object has one shape, and its
 * fields and flag getters are read inline.
 */
class Writer {
  readonly socket: Socket;
  readonly handle: DirectHandle | undefined;
  readonly state: WritableStateView | undefined;
  /** Heads held for this socket and not yet written. */
  held = 0;
  /** The Writable's methods are hooked to write held heads first (see HOOKS). */
  hooked = false;

  constructor(socket: Socket, handle: DirectHandle | undefined, state: WritableStateView | undefined) {
    this.socket = socket;
    this.handle = handle;
    this.state = state;
  }
}

const kWriter = Symbol('weft.headWriter');
type WithWriter = Socket & { [kWriter]?: Writer };

/**
 * The socket's Writer. A plain-TCP socket that is connected gets its handle; one that is still
 * connecting is asked again at its next head; any other (TLS, no binding) keeps none.
 */
function writerOf(socket: Socket): Writer {
  const w = (socket as WithWriter)[kWriter];
  if (w !== undefined) return w;
  const s = socket as unknown as SocketInternals;
  if (s.connecting) return new Writer(socket, undefined, undefined);
  const handle = s._handle;
  const direct =
    BINDING !== undefined &&
    BYTES_WRITTEN !== undefined &&
    HOOKABLE &&
    handle != null &&
    s.encrypted === undefined &&
    s._writableState !== undefined &&
    typeof handle.writeLatin1String === 'function' &&
    typeof handle.writeBuffer === 'function';
  const made = direct
    ? new Writer(socket, handle as DirectHandle, s._writableState)
    : new Writer(socket, undefined, undefined);
  (socket as WithWriter)[kWriter] = made;
  return made;
}

/** Whether a head may go straight to the socket's handle: plain TCP, nothing queued or corked. */
function writesDirect(w: Writer): boolean {
  const st = w.state;
  if (st === undefined) return false;
  if (st.length !== 0 || st.corked !== 0 || st.writable === false) return false;
  return !(st.ending || st.ended || st.destroyed || st.errored);
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

/** Writes `data` to the handle now (the socket's held heads all come before it). */
function writeNow(w: Writer, data: string | Buffer): void {
  const handle = w.handle;
  // Destroyed, or closed by a failed write earlier in this flush: dropped, as destroy() drops
  // what the Writable holds.
  if (handle === undefined || w.state!.destroyed) return;
  const socket = w.socket;
  const req = newRequest(handle, socket);
  if (typeof data === 'string') {
    // A string libuv cannot take at once is copied by Node: nothing to keep alive.
    dispatched(socket, req, handle.writeLatin1String(req, data), data.length, null);
  } else dispatched(socket, req, handle.writeBuffer(req, data), data.length, data);
}

// The held heads of this turn, in the order they were written: the writer and the data of each
// (a slot is emptied once written, so a socket's own flush can go first); each Writer counts
// how many of its heads are still held.
const HELD_WRITERS: (Writer | undefined)[] = [];
const HELD_DATA: (string | Buffer | undefined)[] = [];
let flushScheduled = false;
/** Heads made in this turn, written at once or held; whether this turn holds its first head too. */
let headsThisTurn = 0;
let holdAll = false;

/** Writes the head held in slot `i` and empties the slot. */
function writeHeld(i: number): void {
  const w = HELD_WRITERS[i]!;
  const data = HELD_DATA[i]!;
  HELD_WRITERS[i] = undefined;
  HELD_DATA[i] = undefined;
  w.held--;
  writeNow(w, data);
}

/** Writes every held head, in order. Runs once per loop turn that held any. */
function flushHeld(): void {
  flushScheduled = false;
  holdAll = headsThisTurn > 1;
  headsThisTurn = 0;
  // Writes here fire no JavaScript synchronously (completions and errors come later), so the
  // queue does not grow while it is walked.
  for (let i = 0; i < HELD_WRITERS.length; i++) if (HELD_WRITERS[i] !== undefined) writeHeld(i);
  HELD_WRITERS.length = 0;
  HELD_DATA.length = 0;
}

/**
 * Writes the heads held for `socket` now, before whatever the caller does next to it: a
 * connection that is about to be destroyed calls this so that what it answered still goes out.
 */
export function flushHeldWrites(socket: Socket): void {
  const w = (socket as WithWriter)[kWriter];
  if (w === undefined) return;
  for (let i = 0; w.held > 0 && i < HELD_WRITERS.length; i++) if (HELD_WRITERS[i] === w) writeHeld(i);
}

type WriteMethod = (
  this: Socket,
  chunk: unknown,
  encoding: BufferEncoding,
  cb: (e?: Error | null) => void,
) => void;
type WritevMethod = (this: Socket, chunks: unknown, cb: (e?: Error | null) => void) => void;
type FinalMethod = (this: Socket, cb: (e?: Error | null) => void) => void;
interface WritableHooks {
  _write: WriteMethod;
  _writev: WritevMethod;
  _final: FinalMethod;
}
const SOCKET_METHODS = Socket.prototype as unknown as WritableHooks;

// The Writable calls these for the socket's next write and for its end (net.Socket's own methods,
// which they then call, hand the data to the same handle): held heads go first.
const HOOKS: WritableHooks = {
  _write(chunk, encoding, cb) {
    flushHeldWrites(this);
    SOCKET_METHODS._write.call(this, chunk, encoding, cb);
  },
  _writev(chunks, cb) {
    flushHeldWrites(this);
    SOCKET_METHODS._writev.call(this, chunks, cb);
  },
  _final(cb) {
    flushHeldWrites(this);
    SOCKET_METHODS._final.call(this, cb);
  },
};

const HOOKABLE =
  typeof SOCKET_METHODS._write === 'function' &&
  typeof SOCKET_METHODS._writev === 'function' &&
  typeof SOCKET_METHODS._final === 'function';

/** Holds `data` for the end of this loop turn's reads; false when it must be written otherwise. */
function hold(socket: Socket, data: string | Buffer): boolean {
  const w = writerOf(socket);
  if (!writesDirect(w)) return false;
  headsThisTurn++;
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushHeld);
    // Under light load a turn makes one head, and holding it would only add to its latency: the
    // turn's first head goes at once unless the last turn made several. (No head is held while no
    // flush is scheduled, so nothing on this socket is passed over.)
    if (!holdAll) {
      writeNow(w, data);
      return true;
    }
  }
  if (!w.hooked) {
    // Once per socket, so every socket that holds heads has the same shape.
    const target = socket as unknown as WritableHooks;
    target._write = HOOKS._write;
    target._writev = HOOKS._writev;
    target._final = HOOKS._final;
    w.hooked = true;
  }
  w.held++;
  HELD_WRITERS.push(w);
  HELD_DATA.push(data);
  return true;
}

/**
 * Writes `text` (latin1) to `socket`. Returns what socket.write returns: false once the socket's
 * Writable wants the caller to wait for 'drain'. A held write never asks that — a head is small,
 * and if the kernel cannot take it all, the body writes that follow queue behind it in the
 * Writable, which then applies its backpressure.
 */
export function writeHead(socket: Socket, text: string): boolean {
  return hold(socket, text) || socket.write(text, 'latin1');
}

/** As writeHead, for a head already in bytes (the forwarded heads). The buffer must not change. */
export function writeHeadBytes(socket: Socket, bytes: Buffer): boolean {
  return hold(socket, bytes) || socket.write(bytes);
}

/** Whether heads go straight to the handle on this Node (tests assert the fast path is in use). */
export const DIRECT_HEAD_WRITES: boolean = BINDING !== undefined && BYTES_WRITTEN !== undefined && HOOKABLE;

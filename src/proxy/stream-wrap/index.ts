// Node's stream_wrap binding, looked up once for the modules that work below net.Socket
// (socket-read, socket-write): its shared state array tells a read's byte count and whether the
// last write went async, and its WriteWrap is the request object of a native write. Each user
// checks the fields it needs; where the binding is absent (another runtime), this is undefined
// and they fall back to net.Socket's own paths.

/** The fields of the binding, none assumed present. */
export interface StreamWrapFields {
  WriteWrap?: unknown;
  streamBaseState?: unknown;
  kReadBytesOrError?: unknown;
  kLastWriteWasAsync?: unknown;
}

export const STREAM_WRAP: StreamWrapFields | undefined = (() => {
  try {
    return (process as unknown as { binding(name: string): StreamWrapFields }).binding('stream_wrap');
  } catch {
    return undefined;
  }
})();

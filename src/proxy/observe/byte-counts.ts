// A connection's bytes in its rx/tx counters as they flow, as Envoy counts them, without any work
// per read or write on the request path: what moved since the last look is added whenever the
// stats are read (StatsScope.beforeRead), and the rest when the connection is done.
import type { Counter, StatsScope } from './stats.ts';

/** What a socket tells of its bytes (net.Socket's bytesRead / bytesWritten). */
export interface ByteSource {
  readonly bytesRead: number;
  readonly bytesWritten: number;
}

/** Starts counting `socket`'s bytes into `rx` / `tx`; call the result once it is closed. */
export function countBytes(scope: StatsScope, socket: ByteSource, rx: Counter, tx: Counter): () => void {
  let rxCounted = 0;
  let txCounted = 0;
  const flush = (): void => {
    const r = socket.bytesRead;
    const t = socket.bytesWritten;
    if (r > rxCounted) rx.inc(r - rxCounted);
    if (t > txCounted) tx.inc(t - txCounted);
    rxCounted = r;
    txCounted = t;
  };
  const stop = scope.beforeRead(flush);
  return () => {
    flush();
    stop();
  };
}

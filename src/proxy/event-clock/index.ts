// One clock reading per socket read on the request path. A proxied request reads the wall clock
// and the monotonic clock several times within the same read callback (stream start, upstream
// send, timers scheduled, the response head, completion); Date.now() is a call into V8's runtime
// each time. Inside a read callback (socket-read brackets every one with enterEvent/leaveEvent)
// the first reading of each clock is kept and returned for the rest of the callback, as an event
// loop turn's "now" in libuv. Outside a callback every call reads the clock.
//
// Timings are whole milliseconds (StreamInfo, service time) or timer deadlines that tolerate
// microseconds of error, so freezing time for the length of one callback changes no result.
import { performance } from 'node:perf_hooks';

let depth = 0;
let wall = 0;
let mono = -1;

/** Date.now(), or the value the current read callback first read. */
export function wallNow(): number {
  if (depth === 0) return Date.now();
  if (wall === 0) wall = Date.now();
  return wall;
}

/** performance.now(), or the value the current read callback first read. */
export function monoNow(): number {
  if (depth === 0) return performance.now();
  if (mono < 0) mono = performance.now();
  return mono;
}

/** A read callback starts (they may nest: a write can deliver another socket's bytes). */
export function enterEvent(): void {
  depth++;
}

/** The read callback returned: the next one reads the clocks again. */
export function leaveEvent(): void {
  if (--depth === 0) {
    wall = 0;
    mono = -1;
  }
}

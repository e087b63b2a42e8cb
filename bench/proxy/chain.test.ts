import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTraceLine, requestChains, type SyscallEvent } from './chain.ts';

const G = 100;
const P = 200;
const U = 300;

/** perf script lines for one request starting at `t0` seconds; `emptyPoll` adds Node's zero poll. */
function request(t0: number, emptyPoll: boolean): string[] {
  const at = (us: number): string => (t0 + us / 1e6).toFixed(6);
  const line = (pid: number, us: number, what: string): string => `  ${pid} ${at(us)}: syscalls:sys_${what}`;
  const out = [
    line(G, 0, 'enter_write: fd: 0x00000010, buf: 0x1, count: 0x00000037'),
    line(P, 40, 'exit_epoll_pwait: 0x1'),
    line(P, 45, 'exit_read: 0x37'),
    line(P, 65, 'enter_write: fd: 0x00000020, buf: 0x2, count: 0x000000ab'),
    // The upstream wakes while the proxy is still inside its write.
    line(U, 80, 'exit_epoll_wait: 0x1'),
    line(P, 90, 'exit_write: 0xab'),
  ];
  if (emptyPoll) out.push(line(P, 100, 'exit_epoll_pwait: 0x0'));
  out.push(
    line(U, 95, 'exit_recvfrom: 0xab'),
    line(U, 110, 'enter_writev: fd: 0x00000005, vec: 0x3, vlen: 0x00000002'),
    line(P, 150, 'exit_epoll_pwait: 0x1'),
    line(P, 154, 'exit_read: 0x95'),
    line(P, 166, 'enter_write: fd: 0x00000018, buf: 0x4, count: 0x000000c0'),
    line(G, 190, 'exit_epoll_pwait: 0x1'),
    line(P, 188, 'exit_write: 0xc0'),
    line(G, 195, 'exit_read: 0xc0'),
  );
  return out;
}

function events(lines: string[]): SyscallEvent[] {
  const out: SyscallEvent[] = [];
  for (const l of lines) {
    const e = parseTraceLine(l);
    if (e !== undefined) out.push(e);
  }
  return out.sort((a, b) => a.timeUs - b.timeUs);
}

test('perf script lines parse to syscall events; negative returns are signed', () => {
  assert.deepEqual(parseTraceLine('  4242 7813.052404:  syscalls:sys_exit_read: 0x37'), {
    pid: 4242,
    timeUs: 7813.052404 * 1e6,
    phase: 'exit',
    name: 'read',
    ret: 55,
  });
  assert.equal(parseTraceLine(' 1 2.000001: syscalls:sys_exit_read: 0xfffffffffffffff5')?.ret, -11);
  assert.equal(parseTraceLine(' 1 2.0: syscalls:sys_exit_write: 12')?.ret, 12);
  assert.equal(parseTraceLine('  1 2.0: sched:sched_switch: prev_comm=x'), undefined);
  assert.equal(parseTraceLine('garbage'), undefined);
});

test('one request: every step found, the wake-ups counted from the write that causes them', () => {
  const rows = requestChains(events(request(10, false)), { generator: G, proxy: P, upstream: U });
  assert.equal(rows.length, 1);
  const r = rows[0]!;
  assert.equal(Math.round(r.wakeProxy), 40);
  assert.equal(Math.round(r.proxyRead), 5);
  assert.equal(Math.round(r.proxyRequestWork), 20);
  assert.equal(Math.round(r.writeUpstream), 25);
  assert.equal(Math.round(r.wakeUpstream), 15); // 80 - 65: inside the proxy's write
  assert.equal(Math.round(r.upstreamWork), 30);
  assert.equal(Math.round(r.wakeProxyAgain), 40);
  assert.equal(Math.round(r.proxyReadResponse), 4);
  assert.equal(Math.round(r.proxyResponseWork), 12);
  assert.equal(Math.round(r.writeDownstream), 22);
  assert.equal(Math.round(r.wakeGenerator), 24);
  assert.equal(Math.round(r.total), 190);
});

test("Node's empty zero-timeout poll is not taken for the proxy's wake-up", () => {
  const rows = requestChains(events(request(10, true)), { generator: G, proxy: P, upstream: U });
  assert.equal(rows.length, 1);
  assert.equal(Math.round(rows[0]!.wakeProxyAgain), 40);
});

test('requests in a row are each measured; a request cut off by the end of the trace is not', () => {
  const lines = [...request(10, false), ...request(10.001, true), ...request(10.002, false).slice(0, 7)];
  const rows = requestChains(events(lines), { generator: G, proxy: P, upstream: U });
  assert.equal(rows.length, 2);
  for (const r of rows) assert.equal(Math.round(r.total), 190);
});

test('events of other processes are ignored', () => {
  const noise = request(10, false).map((l) => l.replace(/^ {2}(\d+)/, '  9$1'));
  const rows = requestChains(events([...noise, ...request(20, false)]), {
    generator: G,
    proxy: P,
    upstream: U,
  });
  assert.equal(rows.length, 1);
});

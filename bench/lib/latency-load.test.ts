import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { runInterleavedLatency, runLatencyLoad } from './latency-load.ts';

const OK = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');

/** A keep-alive HTTP/1.1 server on a raw socket; `delayMs(n)` delays the n-th response. */
async function listen(
  delayMs: (n: number) => number,
): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  let n = 0;
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    let pending = '';
    sock.on('data', (d) => {
      pending += d.toString('latin1');
      let at = pending.indexOf('\r\n\r\n');
      while (at >= 0) {
        pending = pending.slice(at + 4);
        const delay = delayMs(n++);
        // unref'd: a response still pending when the test ends must not keep the process alive
        if (delay > 0) setTimeout(() => sock.writable && sock.write(OK), delay).unref();
        else sock.write(OK);
        at = pending.indexOf('\r\n\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  assert.ok(addr && typeof addr === 'object');
  return { server, port: addr.port, sockets };
}

function close(s: { server: Server; sockets: Set<Socket> }): Promise<void> {
  for (const sock of s.sockets) sock.destroy();
  return new Promise((r) => s.server.close(() => r()));
}

test('sends the scheduled number of requests at the fixed rate over keep-alive connections', async (t) => {
  const srv = await listen(() => 0);
  t.after(() => close(srv));
  const r = await runLatencyLoad({
    port: srv.port,
    rate: 400,
    durationMs: 250,
    connections: 2,
    drainMs: 2000,
  });
  assert.equal(r.scheduled, 100);
  assert.equal(r.completed, 100);
  assert.equal(r.errors + r.unanswered + r.non2xx, 0);
  assert.ok(r.latencyMs.p50 >= 0 && r.latencyMs.p50 <= r.latencyMs.p99 && r.latencyMs.p99 <= r.latencyMs.max);
  assert.equal(r.firstError, undefined);
});

test('a stall shows up in the latency of the requests queued behind it (no coordinated omission)', async (t) => {
  // One connection; the 5th response takes 150 ms. A closed-loop tool would record one slow
  // request; measured from intended send times, the ~30 requests scheduled meanwhile are slow too.
  const srv = await listen((n) => (n === 4 ? 150 : 0));
  t.after(() => close(srv));
  const r = await runLatencyLoad({
    port: srv.port,
    rate: 200,
    durationMs: 500,
    connections: 1,
    drainMs: 2000,
  });
  assert.equal(r.completed, 100);
  assert.ok(r.latencyMs.p90 >= 50, `p90 ${r.latencyMs.p90} ms should include queueing behind the stall`);
  assert.ok(r.latencyMs.max >= 140, `max ${r.latencyMs.max} ms`);
  assert.ok(r.serviceMs.p50 < 50, `service p50 ${r.serviceMs.p50} ms excludes queueing`);
});

test('a server that never answers: requests are reported unanswered after the drain time', async (t) => {
  const srv = await listen(() => 60_000);
  t.after(() => close(srv));
  const r = await runLatencyLoad({
    port: srv.port,
    rate: 100,
    durationMs: 100,
    connections: 1,
    drainMs: 100,
  });
  assert.equal(r.completed, 0);
  assert.equal(r.unanswered, 10);
});

test('nothing listening is an error, not a hang', async () => {
  const srv = await listen(() => 0);
  const port = srv.port;
  await close(srv);
  await assert.rejects(
    runLatencyLoad({ port, rate: 100, durationMs: 100, connections: 2, drainMs: 100 }),
    /could not connect/,
  );
});

test('interleaved: each target gets its own rate and total, in turns, one target at a time', async (t) => {
  // Two servers that note when each request arrives: in turns, the arrivals at one never fall
  // inside the other's turn, and each got rate × duration requests over its kept-alive connections.
  const arrivals: number[] = [];
  const accepted = [0, 0];
  const servers = await Promise.all(
    [0, 1].map(async (k) => {
      const srv = await listen(() => 0);
      srv.server.on('connection', (sock) => {
        accepted[k]!++;
        sock.on('data', () => arrivals.push(k));
      });
      return srv;
    }),
  );
  t.after(() => Promise.all(servers.map(close)));
  const [a, b] = await runInterleavedLatency({
    ports: servers.map((s) => s.port),
    rate: 400,
    durationMs: 300,
    sliceMs: 100,
    connections: 2,
    drainMs: 2000,
  });
  for (const r of [a!, b!]) {
    assert.equal(r.scheduled, 120);
    assert.equal(r.completed, 120);
    assert.equal(r.errors + r.unanswered + r.non2xx, 0);
    assert.ok(r.serviceMs.p50 >= 0 && r.serviceMs.p50 <= r.serviceMs.p99);
  }
  // Six turns, three per target, the order rotated each cycle (0 1, 1 0, 0 1): the arrivals run
  // 0…, 1…, 0…, 1… — three switches; turns that overlapped or a fixed order would make more.
  let switches = 0;
  for (let i = 1; i < arrivals.length; i++) if (arrivals[i] !== arrivals[i - 1]) switches++;
  assert.equal(switches, 3, `arrivals by target: ${arrivals.join('')}`);
  // Connections are kept across turns: two per target, none reopened.
  assert.deepEqual(accepted, [2, 2]);
});

test('interleaved: a target that cannot be reached is an error naming it', async () => {
  const srv = await listen(() => 0);
  const port = srv.port;
  await close(srv);
  const live = await listen(() => 0);
  try {
    await assert.rejects(
      runInterleavedLatency({
        ports: [live.port, port],
        rate: 100,
        durationMs: 100,
        sliceMs: 50,
        connections: 1,
        drainMs: 100,
      }),
      new RegExp(`could not connect to 127.0.0.1:${port}`),
    );
  } finally {
    await close(live);
  }
});

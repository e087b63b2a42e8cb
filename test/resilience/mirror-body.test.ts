// Mirroring requests with bodies, end to end on the real proxy over loopback sockets: the shadow
// gets the same body (content-length and chunked) with the '-shadow' host, the main response comes
// from the main upstream, and a shadow that never reads neither slows nor fails the main request —
// past its buffer limit it alone is reset (cluster.<mirror>.upstream_rq_tx_reset).
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { cluster, rawServer, route, routeAction } from '../proxy/harness.ts';
import { counter, type Reply, sleep, start } from './helpers.ts';

interface Received {
  head: string;
  body: Buffer;
}

/**
 * An HTTP/1.1 origin that reads content-length and chunked request bodies (keep-alive), records
 * each request and answers `respond(request)`.
 */
async function bodyOrigin(
  t: { after(fn: () => unknown): void },
  respond: (r: Received) => string,
): Promise<{ port: number; received: Received[] }> {
  const received: Received[] = [];
  const srv = await rawServer((s) => {
    let buf: Buffer = Buffer.alloc(0);
    let head: string | undefined;
    let remaining = 0;
    let chunked = false;
    let parts: Buffer[] = [];
    const complete = (): void => {
      const r = { head: head!, body: Buffer.concat(parts) };
      received.push(r);
      head = undefined;
      parts = [];
      s.write(respond(r));
    };
    s.on('data', (d: Buffer) => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      for (;;) {
        if (head === undefined) {
          const end = buf.indexOf('\r\n\r\n');
          if (end === -1) return;
          head = buf.toString('latin1', 0, end);
          buf = buf.subarray(end + 4);
          chunked = /\r\ntransfer-encoding: *chunked/i.test(head);
          const m = /\r\ncontent-length: *(\d+)/i.exec(head);
          remaining = m ? Number(m[1]) : 0;
          if (!chunked && remaining === 0) complete();
          continue;
        }
        if (!chunked) {
          if (buf.length === 0) return;
          const take = Math.min(remaining, buf.length);
          parts.push(buf.subarray(0, take));
          buf = buf.subarray(take);
          remaining -= take;
          if (remaining === 0) complete();
          continue;
        }
        const eol = buf.indexOf('\r\n');
        if (eol === -1) return;
        const size = Number.parseInt(buf.toString('latin1', 0, eol), 16);
        if (size === 0) {
          // Last chunk; trailers (if any) end with an empty line.
          const end = buf.indexOf('\r\n\r\n', eol);
          if (end === -1) return;
          buf = buf.subarray(end + 4);
          complete();
          continue;
        }
        if (buf.length < eol + 2 + size + 2) return;
        parts.push(buf.subarray(eol + 2, eol + 2 + size));
        buf = buf.subarray(eol + 2 + size + 2);
      }
    });
  });
  t.after(() => srv.close());
  return { port: srv.port, received };
}

const ok = (body: string) => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

/** A request through the proxy; `body` parts are written one by one (chunked unless content-length is set). */
function send(
  port: number,
  parts: (string | Buffer)[],
  headers: Record<string, string> = {},
): Promise<Reply> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/post',
        method: 'POST',
        headers: { host: 'a:9080', ...headers },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('latin1');
        res.on('data', (d) => (text += d));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: text, ms: performance.now() - t0 }),
        );
      },
    );
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error('timeout')));
    (async () => {
      for (const p of parts) {
        req.write(p);
        await sleep(5);
      }
      req.end();
    })();
  });
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  for (let i = 0; i < ms / 10 && !cond(); i++) await sleep(10);
}

const mirrored = (port: number, mirrorPort: number) =>
  [
    [route('/', routeAction('main', { mirrors: [{ cluster: 'mirror', fraction: 1 }] }))],
    [cluster('main', [port]), cluster('mirror', [mirrorPort])],
  ] as const;

test('mirror: a POST with a content-length body reaches the shadow with the same body', async (t) => {
  const main = await bodyOrigin(t, (r) => ok(`main:${r.body.length}`));
  const mirror = await bodyOrigin(t, () => ok('mirror'));
  const [routes, clusters] = mirrored(main.port, mirror.port);
  const { port } = await start(t, [...routes], [...clusters]);
  const body = 'x'.repeat(3000) + 'end';
  const r = await send(port, [body.slice(0, 1000), body.slice(1000)], {
    'content-length': String(body.length),
  });
  assert.equal(r.status, 200);
  assert.equal(r.body, `main:${body.length}`);
  await until(() => mirror.received.length > 0);
  assert.equal(mirror.received.length, 1);
  const shadow = mirror.received[0]!;
  assert.match(shadow.head, /^POST \/post HTTP\/1\.1\r\n/);
  assert.match(shadow.head, /\r\nhost: a-shadow:9080(\r\n|$)/i);
  assert.match(shadow.head, new RegExp(`\\r\\ncontent-length: ${body.length}(\\r\\n|$)`, 'i'));
  assert.doesNotMatch(shadow.head, /transfer-encoding/i);
  assert.equal(shadow.body.toString('latin1'), body);
  assert.equal(main.received[0]!.body.toString('latin1'), body);
  assert.match(main.received[0]!.head, /\r\nhost: a:9080(\r\n|$)/i);
});

test('mirror: a chunked POST reaches the shadow chunked, with the same body', async (t) => {
  const main = await bodyOrigin(t, (r) => ok(`main:${r.body.length}`));
  const mirror = await bodyOrigin(t, () => ok('mirror'));
  const [routes, clusters] = mirrored(main.port, mirror.port);
  const { port } = await start(t, [...routes], [...clusters]);
  const parts = ['first,', 'second,', 'y'.repeat(70000), ',last'];
  const body = parts.join('');
  const r = await send(port, parts);
  assert.equal(r.status, 200);
  assert.equal(r.body, `main:${body.length}`);
  await until(() => mirror.received.length > 0);
  assert.equal(mirror.received.length, 1);
  const shadow = mirror.received[0]!;
  assert.match(shadow.head, /\r\nhost: a-shadow:9080(\r\n|$)/i);
  assert.match(shadow.head, /\r\ntransfer-encoding: chunked(\r\n|$)/i);
  assert.doesNotMatch(shadow.head, /content-length/i);
  assert.equal(shadow.body.toString('latin1'), body);
  assert.equal(main.received[0]!.body.toString('latin1'), body);
});

test('mirror: a shadow that never reads neither slows nor fails the main request', async (t) => {
  const main = await bodyOrigin(t, (r) => ok(`main:${r.body.length}`));
  const stuck: Socket[] = [];
  const mirror = await rawServer((s) => {
    s.pause();
    stuck.push(s);
  });
  t.after(() => mirror.close());
  const [routes, clusters] = mirrored(main.port, mirror.port);
  const { proxy, port } = await start(t, [...routes], [...clusters]);
  for (let i = 0; i < 3; i++) {
    const r = await send(port, ['hello ', 'shadow'], { 'content-length': '12' });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'main:12');
    assert.ok(r.ms < 500, `main request took ${r.ms} ms`);
  }
  await until(() => stuck.length === 3);
  assert.equal(stuck.length, 3);
  assert.equal(counter(proxy, 'cluster.mirror.upstream_rq_tx_reset'), 0);
});

test('mirror: a body beyond the shadow buffer limit abandons only the shadow', async (t) => {
  const main = await bodyOrigin(t, (r) => ok(`main:${r.body.length}`));
  let accepted = 0;
  const mirror = await rawServer((s) => {
    accepted++;
    s.pause();
  });
  t.after(() => mirror.close());
  const [routes, clusters] = mirrored(main.port, mirror.port);
  const { proxy, port } = await start(t, [...routes], [...clusters]);
  // Well past the 1 MiB limit plus what loopback socket buffers absorb.
  const piece = Buffer.alloc(256 * 1024, 'z');
  const n = 96;
  const total = piece.length * n;
  const r = await send(
    port,
    Array.from({ length: n }, () => piece),
    { 'content-length': String(total) },
  );
  assert.equal(r.status, 200);
  assert.equal(r.body, `main:${total}`);
  assert.equal(accepted, 1);
  assert.equal(counter(proxy, 'cluster.mirror.upstream_rq_tx_reset'), 1);
  // The next request is mirrored again (a new shadow), and the main path still works.
  const r2 = await send(port, ['again'], { 'content-length': '5' });
  assert.equal(r2.body, 'main:5');
  await until(() => accepted === 2);
  assert.equal(accepted, 2);
});

test('mirror: a request whose body never completes resets its shadow', async (t) => {
  const main = await bodyOrigin(t, (r) => ok(`main:${r.body.length}`));
  let shadowBytes = '';
  let shadowClosed = false;
  const mirror = await rawServer((s) => {
    s.on('data', (d: Buffer) => (shadowBytes += d.toString('latin1')));
    s.on('close', () => (shadowClosed = true));
  });
  t.after(() => mirror.close());
  const [routes, clusters] = mirrored(main.port, mirror.port);
  const { proxy, port } = await start(t, [...routes], [...clusters]);
  const c = connect(port, '127.0.0.1');
  c.on('error', () => {});
  c.write('POST /post HTTP/1.1\r\nhost: a:9080\r\ncontent-length: 100\r\n\r\npartial');
  await until(() => shadowBytes.endsWith('partial'));
  assert.match(shadowBytes, /\r\nhost: a-shadow:9080\r\n/i);
  c.destroy();
  await until(() => shadowClosed);
  assert.ok(shadowClosed, 'the shadow connection is closed');
  assert.equal(counter(proxy, 'cluster.mirror.upstream_rq_tx_reset'), 1);
});

import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { downstreamResponse, serve, upstreamHead } from './http-floor.ts';

test("the floor's upstream head is the client's with Envoy's three fields appended", () => {
  const src = Buffer.from('GET /a HTTP/1.1\r\nHost: h\r\n\r\n');
  const head = upstreamHead(src, src.length, '0123456789abcdef0123456789abcdef0123').toString('latin1');
  assert.equal(
    head,
    'GET /a HTTP/1.1\r\nHost: h\r\nx-forwarded-proto: http\r\n' +
      'x-request-id: 0123456789abcdef0123456789abcdef0123\r\nx-envoy-expected-rq-timeout-ms: 15000\r\n\r\n',
  );
});

test("the floor's response: names lower-cased, Server and Connection out, its own fields, the body", () => {
  const head =
    'HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n';
  const r = downstreamResponse(Buffer.from(`${head}hel`), head.length);
  assert.equal(
    r.bytes.toString('latin1'),
    'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\n' +
      'server: envoy\r\nx-envoy-upstream-service-time: 0\r\n\r\nhel',
  );
  assert.equal(r.bodyLeft, 2);
});

test('the floor proxies keep-alive requests over pooled upstream connections', async () => {
  const seen: string[] = [];
  const sockets: net.Socket[] = [];
  const upstream = net.createServer((s) => {
    sockets.push(s);
    s.on('data', (d) => {
      seen.push(d.toString('latin1'));
      // The body in two writes: the floor forwards the rest as it comes.
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab');
      setTimeout(() => s.write('cd'), 5);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const floor = serve(0, (upstream.address() as net.AddressInfo).port);
  await new Promise<void>((r) => floor.once('listening', r));
  const client = net.connect((floor.address() as net.AddressInfo).port, '127.0.0.1');
  let got = '';
  client.on('data', (d) => {
    got += d.toString('latin1');
  });
  const response =
    'HTTP/1.1 200 OK\r\ncontent-length: 4\r\nserver: envoy\r\nx-envoy-upstream-service-time: 0\r\n\r\nabcd';
  for (let i = 1; i <= 2; i++) {
    client.write(`GET /${i} HTTP/1.1\r\nHost: t\r\n\r\n`);
    for (let k = 0; k < 200 && got.length < response.length * i; k++)
      await new Promise((r) => setTimeout(r, 5));
  }
  client.destroy();
  for (const s of sockets) s.destroy();
  floor.close();
  upstream.close();
  assert.equal(got, response + response);
  assert.equal(seen.length, 2);
  assert.match(
    seen[1]!,
    /^GET \/2 HTTP\/1.1\r\nHost: t\r\nx-forwarded-proto: http\r\nx-request-id: [0-9a-f-]{36}\r\n/,
  );
});

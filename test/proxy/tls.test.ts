// TLS on listeners: the ClientHello peek (SNI, ALPN) on real handshake bytes, SNI-selected filter
// chains terminating TLS with their own certificates, and SNI passthrough to a tcp_proxy with the
// hello arriving in fragments. Certificates are fixtures (see fixtures/README.md).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import type { FilterChainConfig } from '../../src/proxy/config/index.ts';
import { startProxy } from '../../src/proxy/index.ts';
import { peekClientHello } from '../../src/proxy/listener/index.ts';
import {
  chain,
  cluster,
  counters,
  hcm,
  listener,
  parseResponse,
  rawServer,
  request,
  route,
  routeConfig,
  snapshot,
  tcpProxy,
} from './harness.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const certA = fixture('a.example.com.crt');
const certB = fixture('b.example.com.crt');

/** The first flight a real node:tls client sends (its ClientHello), captured by a raw server. */
async function captureHello(servername: string | undefined, alpn?: string[]): Promise<Buffer> {
  let got = Buffer.alloc(0);
  let done: () => void = () => {};
  const arrived = new Promise<void>((r) => {
    done = r;
  });
  const srv = await rawServer((s) =>
    s.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 5 && got.length >= 5 + got.readUInt16BE(3)) done();
    }),
  );
  const c = tlsConnect({
    port: srv.port,
    host: '127.0.0.1',
    ...(servername ? { servername } : {}),
    ...(alpn ? { ALPNProtocols: alpn } : {}),
    rejectUnauthorized: false,
  });
  c.on('error', () => {});
  await arrived;
  c.destroy();
  await srv.close();
  return got;
}

test('ClientHello peek: SNI and ALPN from real handshake bytes, whatever the fragmentation', async () => {
  const hello = await captureHello('a.example.com', ['h2', 'http/1.1']);
  assert.deepEqual(peekClientHello(hello), {
    kind: 'tls',
    serverName: 'a.example.com',
    alpn: ['h2', 'http/1.1'],
  });
  // Every strict prefix is incomplete: reads may split the record anywhere.
  for (let n = 0; n < hello.length; n++) {
    assert.equal(peekClientHello(hello.subarray(0, n)).kind, 'incomplete', `prefix of ${n} bytes`);
  }
  // Bytes after the record (a pipelined client) do not matter.
  assert.equal(peekClientHello(Buffer.concat([hello, Buffer.from('junk')])).kind, 'tls');
  const noSni = await captureHello(undefined);
  assert.deepEqual(peekClientHello(noSni), { kind: 'tls', serverName: '', alpn: [] });
});

test('ClientHello peek: non-TLS bytes are recognised at once', () => {
  assert.equal(peekClientHello(Buffer.from('GET / HTTP/1.1\r\n')).kind, 'not_tls');
  assert.equal(peekClientHello(Buffer.from('G')).kind, 'not_tls');
  assert.equal(peekClientHello(Buffer.from([0x16, 0x02, 0x01, 0x00, 0x10])).kind, 'not_tls'); // not version 3.x
  assert.equal(peekClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x10, 0x02])).kind, 'not_tls'); // ServerHello
  assert.equal(peekClientHello(Buffer.from([0x15, 0x03, 0x03])).kind, 'not_tls'); // alert record
  assert.equal(peekClientHello(Buffer.alloc(0)).kind, 'incomplete');
  assert.equal(peekClientHello(Buffer.from([0x16, 0x03])).kind, 'incomplete');
});

function tlsChain(name: string, serverNames: string[], body: string): FilterChainConfig {
  return chain(hcm(routeConfig([route('/', { kind: 'direct_response', status: 200, body })])), {
    name,
    match: {
      prefixRanges: [],
      sourcePrefixRanges: [],
      serverNames,
      transportProtocol: 'tls',
      applicationProtocols: [],
    },
    tls: {
      certificateChain: fixture(`${name}.example.com.crt`),
      privateKey: fixture(`${name}.example.com.key`),
      certificateSdsNames: [],
      requireClientCertificate: false,
      alpnProtocols: ['http/1.1'],
      matchSubjectAltNames: [],
    },
  });
}

/** An HTTPS GET through node:tls, verifying the server certificate against `ca` for `servername`. */
function httpsGet(port: number, servername: string, ca: string): Promise<{ body: string; cn: string }> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ port, host: '127.0.0.1', servername, ca, ALPNProtocols: ['http/1.1'] });
    let text = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no answer for ${servername}`));
    }, 3000);
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.on('secureConnect', () => s.write(`GET / HTTP/1.1\r\nHost: ${servername}\r\n\r\n`));
    s.on('data', (d) => {
      text += d.toString('latin1');
      const r = parseResponse(text);
      if (!r) return;
      clearTimeout(timer);
      const cn = String(s.getPeerCertificate().subject.CN);
      s.destroy();
      resolve({ body: r.body, cn });
    });
  });
}

test('TLS termination: SNI picks the filter chain and its certificate; plaintext and unknown names', async (t) => {
  const plain = chain(
    hcm(routeConfig([route('/', { kind: 'direct_response', status: 200, body: 'plain' })])),
    {
      name: 'plain',
      match: {
        prefixRanges: [],
        sourcePrefixRanges: [],
        serverNames: [],
        transportProtocol: 'raw_buffer',
        applicationProtocols: [],
      },
    },
  );
  const p = await startProxy({
    snapshot: snapshot(
      [
        listener(
          'https',
          [
            tlsChain('a', ['a.example.com'], 'chain A'),
            tlsChain('b', ['b.example.com', '*.b.example.com'], 'chain B'),
            plain,
          ],
          ['envoy.filters.listener.tls_inspector'],
        ),
      ],
      [],
    ),
  });
  t.after(() => p.close());
  const port = p.addresses().get('https')!.port;
  assert.deepEqual(await httpsGet(port, 'a.example.com', certA), { body: 'chain A', cn: 'a.example.com' });
  assert.deepEqual(await httpsGet(port, 'b.example.com', certB), { body: 'chain B', cn: 'b.example.com' });
  assert.deepEqual(await httpsGet(port, 'www.b.example.com', certB), {
    body: 'chain B',
    cn: 'b.example.com',
  });
  // Without TLS the raw_buffer chain answers on the same port.
  assert.equal((await request(port, '/')).body, 'plain');
  // A name no chain serves: the connection is closed, counted as no_filter_chain_match.
  await assert.rejects(httpsGet(port, 'c.example.com', certA));
  assert.equal(counters(p.stats)['listener.127.0.0.1_0_https.no_filter_chain_match'], 1);
});

test('SNI passthrough: a hello arriving in small fragments reaches the tcp_proxy upstream intact', async (t) => {
  const hello = await captureHello('pass.example.com');
  let upstreamGot = Buffer.alloc(0);
  const origin = await rawServer((s) =>
    s.on('data', (d) => {
      upstreamGot = Buffer.concat([upstreamGot, d]);
      if (upstreamGot.length >= hello.length) s.end('upstream saw it');
    }),
  );
  t.after(() => origin.close());
  const pass = chain(tcpProxy('pass'), {
    name: 'pass',
    match: {
      prefixRanges: [],
      sourcePrefixRanges: [],
      serverNames: ['pass.example.com'],
      applicationProtocols: [],
    },
  });
  const p = await startProxy({
    snapshot: snapshot(
      [listener('sni', [pass], ['envoy.filters.listener.tls_inspector'])],
      [cluster('pass', [origin.port])],
    ),
  });
  t.after(() => p.close());
  const s = netConnect(p.addresses().get('sni')!.port, '127.0.0.1');
  s.on('error', () => {});
  t.after(() => s.destroy());
  let reply = '';
  const closed = new Promise<void>((r) => s.on('close', () => r()));
  s.on('data', (d) => {
    reply += d;
  });
  for (let i = 0; i < hello.length; i += 7) {
    s.write(hello.subarray(i, i + 7));
    await new Promise((r) => setImmediate(r));
  }
  await closed;
  assert.equal(reply, 'upstream saw it');
  assert.deepEqual(upstreamGot, hello);
});

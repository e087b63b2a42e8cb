// TLS origination end to end: a DestinationRule with `tls.mode: SIMPLE` goes through pilot's
// translation and the proxy's own cluster decoder (the simulation), and the proxy then speaks TLS
// to a real upstream: with the rule's SNI, trusting the rule's CA and checking its subjectAltNames.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createServer, type TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { BOOKINFO, loadWith, SAMPLES, sidecar, simulate } from '../../src/pilot/simulate/fixtures.ts';
import type { UpstreamTlsConfig } from '../../src/proxy/config/index.ts';
import { startProxy } from '../../src/proxy/index.ts';
import {
  chain,
  cluster,
  exchange,
  hcm,
  listener,
  route,
  routeAction,
  routeConfig,
  snapshot,
} from './harness.ts';

const skip = existsSync(SAMPLES) ? false : 'Istio samples (../shared/istio) not present';
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** The upstream TLS context pilot generates for reviews from a DestinationRule tls block. */
function translatedTls(tls: string): UpstreamTlsConfig {
  const store = loadWith(
    [BOOKINFO],
    `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy:
    tls: ${tls}
`,
  );
  const sim = simulate(store, sidecar({ app: 'productpage' }));
  const out = sim.clusters.get('outbound|9080||reviews.default.svc.cluster.local')?.tls;
  assert.ok(out, 'the cluster has an upstream TLS context');
  return out;
}

/** A TLS origin with a.example.com's certificate that answers with the SNI it was asked for. */
async function tlsOrigin(t: { after(fn: () => unknown): void }) {
  const server = createServer(
    { cert: readFileSync(fixture('a.example.com.crt')), key: readFileSync(fixture('a.example.com.key')) },
    (s: TLSSocket) => {
      s.on('error', () => {});
      s.once('data', () => {
        const body = `sni=${(s as TLSSocket & { servername?: string }).servername}`;
        s.end(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
      });
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => server.close(r)));
  return (server.address() as { port: number }).port;
}

async function through(t: { after(fn: () => unknown): void }, tls: UpstreamTlsConfig, upstreamPort: number) {
  const p = await startProxy({
    snapshot: snapshot(
      [listener('http', [chain(hcm(routeConfig([route('/', routeAction('reviews'))])))])],
      [cluster('reviews', [upstreamPort], { tls })],
    ),
  });
  t.after(() => p.close());
  const port = p.addresses().get('http')!.port;
  return exchange(port, 'GET / HTTP/1.1\r\nHost: reviews\r\n\r\n', (s) =>
    /\r\n\r\n[\s\S]*sni=|^HTTP\/1\.1 5\d\d[\s\S]*\r\n\r\n/.test(s),
  );
}

test('SIMPLE with sni, caCertificates and a matching subjectAltName: the request reaches the TLS upstream', {
  skip,
}, async (t) => {
  const port = await tlsOrigin(t);
  const tls = translatedTls(
    `{mode: SIMPLE, sni: a.example.com, caCertificates: ${fixture('a.example.com.crt')}, subjectAltNames: [a.example.com]}`,
  );
  const reply = await through(t, tls, port);
  assert.match(reply, /^HTTP\/1\.1 200 /);
  assert.match(reply, /sni=a\.example\.com/);
});

test('SIMPLE with a subjectAltName the upstream does not have: refused, 503', { skip }, async (t) => {
  const port = await tlsOrigin(t);
  const tls = translatedTls(
    `{mode: SIMPLE, sni: a.example.com, caCertificates: ${fixture('a.example.com.crt')}, subjectAltNames: [b.example.com]}`,
  );
  assert.match(await through(t, tls, port), /^HTTP\/1\.1 503 /);
});

test('SIMPLE with a CA that did not sign the upstream: refused, 503', { skip }, async (t) => {
  const port = await tlsOrigin(t);
  const tls = translatedTls(
    `{mode: SIMPLE, sni: a.example.com, caCertificates: ${fixture('b.example.com.crt')}}`,
  );
  assert.match(await through(t, tls, port), /^HTTP\/1\.1 503 /);
});

// DestinationRule trafficPolicy.tls, simulated: mode SIMPLE originates TLS as Istio does (an
// UpstreamTlsContext transport socket on the cluster, with the rule's SNI and CA), the proxy's own
// cluster decoder accepts it, and the connection options it builds verify the upstream with that CA.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BOOKINFO, loadSamples, loadWith, NET, SAMPLES, sidecar, simulate } from './fixtures.ts';

const skip = existsSync(SAMPLES) ? false : 'Istio samples (../shared/istio) not present';
const productpage = sidecar({ app: 'productpage', version: 'v1' });

test('egress-rule-google-apis: port 80 is routed to the 443 cluster, which originates TLS', { skip }, () => {
  const sim = simulate(loadSamples([BOOKINFO, `${NET}egress-rule-google-apis.yaml`]), productpage);
  const r = sim.request({ routeConfig: 'http_proxy', authority: 'www.googleapis.com', path: '/books/v1' });
  assert.equal(r.cluster, 'outbound|443||www.googleapis.com');
  const tls = sim.clusters.get('outbound|443||www.googleapis.com')?.tls;
  assert.ok(tls, 'the 443 cluster has an upstream TLS context');
  assert.equal(tls.trustedCa, undefined, 'no caCertificates: no validation context');
  assert.equal(
    sim.clusters.get('outbound|80||www.googleapis.com')?.tls,
    undefined,
    'port 80 stays plaintext',
  );
});

test('SIMPLE with sni, caCertificates and subjectAltNames; subsets as Istio merges them', { skip }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const store = loadWith(
    [BOOKINFO],
    `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy:
    tls: {mode: SIMPLE, sni: reviews.example.com, caCertificates: ${ca}, subjectAltNames: [reviews.example.com]}
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      tls: {mode: DISABLE}
  - name: v3
    labels: {version: v3}
    trafficPolicy:
      tls: {mode: SIMPLE, insecureSkipVerify: true, caCertificates: ${ca}}
`,
  );
  const sim = simulate(store, productpage);
  const name = (subset: string) => `outbound|9080|${subset}|reviews.default.svc.cluster.local`;
  const r = sim.request({ routeConfig: 'http_proxy', authority: 'reviews:9080', path: '/reviews/0' });
  assert.equal(r.cluster, name(''));
  for (const subset of ['', 'v1']) {
    const tls = sim.clusters.get(name(subset))?.tls;
    assert.ok(tls, `cluster ${name(subset)} originates TLS`);
    assert.equal(tls.sni, 'reviews.example.com');
    assert.match(tls.trustedCa ?? '', /BEGIN CERTIFICATE/, 'the CA file, read by the proxy');
    assert.deepEqual(
      tls.matchSubjectAltNames.map((m) => [m.kind, m.value]),
      [['exact', 'reviews.example.com']],
    );
  }
  assert.equal(sim.clusters.get(name('v2'))?.tls, undefined, 'the subset turns TLS off');
  const v3 = sim.clusters.get(name('v3'))?.tls;
  assert.ok(v3, 'v3 originates TLS');
  assert.equal(v3.trustedCa, undefined, 'insecureSkipVerify: no verification');
  assert.equal(v3.sni, undefined, "the subset's tls replaces the rule's as a whole");
});

test('ISTIO_MUTUAL and MUTUAL are not translated: the cluster stays plaintext (validation warns)', {
  skip,
}, () => {
  const sim = simulate(loadSamples([BOOKINFO, `${NET}destination-rule-all-mtls.yaml`]), productpage);
  for (const v of ['v1', 'v2', 'v3'])
    assert.equal(sim.clusters.get(`outbound|9080|${v}|reviews.default.svc.cluster.local`)?.tls, undefined);
});

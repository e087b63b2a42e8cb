import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIssue } from '../issue.ts';
import { parseYaml } from '../load/index.ts';
import { validateDocuments } from './index.ts';
import { supportWarnings } from './support.ts';

const dr = (spec: string) =>
  parseYaml(
    `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r}\nspec:\n${spec}`,
    'dr.yaml',
  ).docs;

test('DestinationRule tls modes Weft cannot honour are warnings naming the field, at its line', () => {
  const docs = dr(`  host: reviews
  trafficPolicy:
    tls:
      mode: ISTIO_MUTUAL
    portLevelSettings:
    - port: {number: 9443}
      tls:
        mode: MUTUAL
        credentialName: client
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy:
      tls: {mode: ISTIO_MUTUAL}
`);
  assert.deepEqual(
    validateDocuments(docs).filter((i) => i.severity === 'error'),
    [],
    'valid Istio config stays valid',
  );
  const warnings = supportWarnings(docs);
  assert.deepEqual(warnings.map(formatIssue), [
    'dr.yaml:8: warning: DestinationRule r: spec.trafficPolicy.tls.mode: tls mode ISTIO_MUTUAL is not honoured by Weft yet: connections to reviews stay plaintext (hint: Weft does not originate Istio mutual TLS between sidecars yet; traffic still flows, unencrypted)',
    'dr.yaml:12: warning: DestinationRule r: spec.trafficPolicy.portLevelSettings[0].tls.mode: tls mode MUTUAL is not honoured by Weft yet: connections to reviews stay plaintext (hint: only mode SIMPLE (TLS origination with sni, caCertificates, subjectAltNames) is translated)',
    'dr.yaml:18: warning: DestinationRule r: spec.subsets[0].trafficPolicy.tls.mode: tls mode ISTIO_MUTUAL is not honoured by Weft yet: connections to reviews stay plaintext (hint: Weft does not originate Istio mutual TLS between sidecars yet; traffic still flows, unencrypted)',
  ]);
  assert.ok(warnings.every((w) => w.severity === 'warning'));
});

test('SIMPLE: what is not honoured is named (credentialName, caCrl, no CA to verify with); a full setting is quiet', () => {
  const docs = dr(`  host: api.example.com
  trafficPolicy:
    tls: {mode: SIMPLE, credentialName: api-ca, caCrl: /etc/crl.pem}
    portLevelSettings:
    - port: {number: 8443}
      tls: {mode: SIMPLE, sni: api.example.com}
    - port: {number: 9443}
      tls: {mode: SIMPLE, caCertificates: /etc/ca.pem, sni: api.example.com, subjectAltNames: [api.example.com]}
    - port: {number: 10443}
      tls: {mode: SIMPLE, insecureSkipVerify: true}
    - port: {number: 80}
      tls: {mode: DISABLE}
`);
  assert.deepEqual(
    supportWarnings(docs).map((w) => `${w.line} ${w.path}`),
    [
      '7 spec.trafficPolicy.tls.credentialName',
      '7 spec.trafficPolicy.tls.caCrl',
      '10 spec.trafficPolicy.portLevelSettings[0].tls.caCertificates',
    ],
  );
  assert.match(supportWarnings(docs)[2]!.message, /does not verify api\.example\.com's certificate/);
});

test('other kinds and a DestinationRule without tls have no support warnings', () => {
  assert.deepEqual(
    supportWarnings(dr('  host: reviews\n  trafficPolicy: {loadBalancer: {simple: RANDOM}}\n')),
    [],
  );
  const vs = parseYaml(
    'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v}\nspec: {hosts: [a]}\n',
    'vs.yaml',
  ).docs;
  assert.deepEqual(supportWarnings(vs), []);
});

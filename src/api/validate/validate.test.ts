import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ConfigIssue, formatIssue, parseYaml, validateDocuments } from '../index.ts';

function validate(text: string): ConfigIssue[] {
  const { docs, issues } = parseYaml(text, 'in.yaml');
  assert.deepEqual(issues, []);
  return validateDocuments(docs);
}

function find(issues: ConfigIssue[], path: string, message: RegExp): ConfigIssue {
  const hit = issues.find((i) => i.path === path && message.test(i.message));
  assert.ok(hit, `no issue at ${path} matching ${message}; got:\n${issues.map(formatIssue).join('\n')}`);
  return hit;
}

test('every error of a VirtualService is reported with Istio-style paths and lines', () => {
  const issues = validate(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviews
      weight: "90"
    timeout: 0.5ms
    retries:
      attempts: 3
      perTryTimeout: bogus
  - route:
    - destination: {host: reviews}
    timeoutt: 5s
`);
  assert.equal(
    find(issues, 'spec.http[0].route[0].weight', /must be of type integer, got string "90"/).line,
    11,
  );
  assert.equal(find(issues, 'spec.http[0].timeout', /must be a valid duration greater than 1ms/).line, 12);
  const bad = find(issues, 'spec.http[0].retries.perTryTimeout', /valid duration/);
  assert.equal(bad.line, 15);
  assert.match(bad.hint ?? '', /duration/);
  assert.equal(find(issues, 'spec.http[1].timeoutt', /unknown field "timeoutt"/).line, 18);
  assert.ok(issues.every((i) => i.kind === 'VirtualService' && i.name === 'reviews' && i.file === 'in.yaml'));
});

test('CEL rule families: mutual exclusion, port range, wildcard, UDS, resolution, key checks, URL scheme', () => {
  const issues = validate(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap}
spec:
  selector: {matchLabels: {app: "a*"}}
  targetRefs: [{kind: Service, group: "", name: s}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se}
spec:
  hosts: ["*"]
  addresses: [10.0.0.0/24]
  resolution: DNS
  ports:
  - {number: 80, name: http}
  - {number: 80, name: http2}
  - {number: 70000, name: big}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: we}
spec:
  address: unix://relative/dir/
  ports: {http: 80}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: ra}
spec:
  jwtRules:
  - issuer: me
    jwksUri: ftp://keys.example.com/jwks
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: pa}
spec:
  portLevelMtls:
    "8080": {mode: DISABLE}
`);
  find(issues, 'spec', /only one of targetRefs or selector can be set/);
  find(issues, 'spec.selector.matchLabels.app', /wildcard not allowed in label value match/);
  find(issues, 'spec.hosts[0]', /hostname cannot be wildcard/);
  find(issues, 'spec', /CIDR addresses are allowed only for NONE\/STATIC resolution types/);
  find(issues, 'spec.ports', /port number cannot be duplicated/);
  find(issues, 'spec.ports[2].number', /port must be between 1-65535/);
  find(issues, 'spec.address', /UDS must be an absolute path or abstract socket/);
  find(issues, 'spec.address', /UDS may not be a dir/);
  find(issues, 'spec', /UDS may not include ports/);
  find(issues, 'spec.jwtRules[0].jwksUri', /url must have scheme http:\/\/ or https:\/\//);
  find(issues, 'spec', /portLevelMtls requires selector/);
});

test('unsupported Istio kinds warn, unknown kinds pass, unserved versions are errors with a hint', () => {
  const issues = validate(`apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: ef}
spec: {}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: Not_A_Dns_Name}
spec: {anything: true}
---
apiVersion: networking.istio.io/v2
kind: DestinationRule
metadata: {name: dr}
spec: {host: x}
`);
  assert.equal(issues.length, 2, issues.map(formatIssue).join('\n'));
  const warning = find(issues, 'kind', /EnvoyFilter is not supported by Weft; it would be ignored/);
  assert.equal(warning.severity, 'warning');
  const version = find(issues, 'apiVersion', /DestinationRule is not served at networking.istio.io\/v2/);
  assert.equal(version.severity, 'error');
  assert.match(
    version.hint!,
    /networking.istio.io\/v1, networking.istio.io\/v1alpha3, networking.istio.io\/v1beta1/,
  );
  assert.equal(version.line, 11);
});

test('Kubernetes kinds: names, Service ports and targetPort, Deployment selector', () => {
  const issues = validate(`apiVersion: v1
kind: Service
metadata: {name: my.svc}
spec:
  ports:
  - {port: 0, targetPort: "Not_Valid", name: http}
  - {port: 9080, targetPort: 70000, name: http, protocol: HTTP}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  labels: {"bad key!": x}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: b}}
    spec:
      containers: [{name: app}]
`);
  find(issues, 'metadata.name', /invalid name "my.svc": a lowercase RFC 1123 label/);
  find(issues, 'spec.ports[0].port', /between 1 and 65535, got 0/);
  find(issues, 'spec.ports[0].targetPort', /invalid port name "Not_Valid"/);
  find(issues, 'spec.ports[1].targetPort', /got 70000/);
  find(issues, 'spec.ports[1].protocol', /unsupported value "HTTP"/);
  find(issues, 'spec.ports[1].name', /duplicate port name "http"/);
  find(issues, 'metadata.name', /required field is missing/);
  find(issues, 'metadata.labels.bad key!', /invalid key/);
  find(issues, 'spec.template.metadata.labels', /selector` does not match template `labels`/);
  find(issues, 'spec.template.spec.containers[0].image', /required field is missing/);
});

test('Gateway API: HTTPRoute filters, paths and backend ports', () => {
  const issues = validate(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: PathPrefix, value: "no-slash"}}]
    filters: [{type: RequestRedirect}]
    backendRefs: [{name: svc}]
`);
  find(issues, 'spec.rules[0].matches[0].path', /must be an absolute path/);
  find(
    issues,
    'spec.rules[0].filters[0]',
    /filter.requestRedirect must be specified if and only if filter.type is RequestRedirect/,
  );
  find(issues, 'spec.rules[0].backendRefs[0]', /Must have port for Service reference/);
});

test('duplicates: an error within one file; across files the later one replaces it silently (kubectl apply -f dir/)', () => {
  const doc = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns}\n';
  const same = validate(`${doc}---\n${doc}`);
  assert.equal(same.length, 1);
  assert.equal(same[0]!.severity, 'error');
  assert.equal(same[0]!.line, 7);
  assert.match(same[0]!.message, /duplicate ConfigMap ns\/c/);
  assert.match(same[0]!.hint!, /already defined at in.yaml:1/);
  const a = parseYaml(doc, 'a.yaml').docs;
  const b = parseYaml(doc, 'b.yaml').docs;
  assert.deepEqual(validateDocuments([...a, ...b]), []);
});

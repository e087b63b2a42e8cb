import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { isCelError, parse } from '@bufbuild/cel';
import { parseAllDocuments } from 'yaml';
import {
  allKindSchemas,
  compileRule,
  type JsonSchema,
  kindSchemas,
  kubernetesCelEnv,
  stripDescriptions,
  validateAgainstSchema,
} from './index.ts';

const crdFile = resolve(import.meta.dirname, '../../../../shared/istio/crd-all.gen.yaml');
const haveCrds = existsSync(crdFile);

interface Crd {
  kind: string;
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; served: boolean; schema: { openAPIV3Schema: unknown } }[];
  };
}

test('generated schemas equal the CRDs of ../shared/istio/crd-all.gen.yaml (descriptions stripped)', {
  skip: haveCrds ? false : `${crdFile} is absent`,
}, () => {
  const crds = parseAllDocuments(readFileSync(crdFile, 'utf8'))
    .map((d) => d.toJS() as Crd | null)
    .filter((d): d is Crd => d?.kind === 'CustomResourceDefinition');
  assert.ok(crds.length >= 15);
  let versions = 0;
  for (const crd of crds) {
    const generated = kindSchemas(crd.spec.group, crd.spec.names.kind);
    assert.ok(
      generated,
      `no generated schema for ${crd.spec.group}/${crd.spec.names.kind}; run node scripts/gen-schemas.ts`,
    );
    const served = crd.spec.versions.filter((v) => v.served);
    assert.deepEqual(Object.keys(generated.versions).sort(), served.map((v) => v.name).sort());
    for (const v of served) {
      assert.deepEqual(
        generated.versions[v.name],
        stripDescriptions(v.schema.openAPIV3Schema),
        `${crd.spec.names.kind} ${v.name} is stale`,
      );
      versions++;
    }
  }
  assert.ok(versions > 30);
});

test('stripDescriptions keeps a property named "description"', () => {
  const schema = { description: 'doc', properties: { description: { type: 'string', description: 'x' } } };
  assert.deepEqual(stripDescriptions(schema), { properties: { description: { type: 'string' } } });
});

function rulesOf(schema: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(schema)) for (const s of schema) rulesOf(s, into);
  else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'x-kubernetes-validations') for (const r of value as { rule: string }[]) into.add(r.rule);
      else if (key !== 'enum' && key !== 'required') rulesOf(value, into);
    }
  }
  return into;
}

// Macros and logical operators are language constructs the planner handles, not library functions.
const LANGUAGE = new Set([
  'has',
  'all',
  'exists',
  'exists_one',
  'map',
  'filter',
  '_&&_',
  '_||_',
  '_?_:_',
  '@not_strictly_false',
]);

test('every CEL rule of every kind compiles and calls only functions the environment provides', () => {
  const rules = new Set<string>();
  for (const k of allKindSchemas) rulesOf(k.versions, rules);
  assert.ok(rules.size > 60, `found ${rules.size} rules`);
  const env = kubernetesCelEnv();
  const called = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o['function'] === 'string' && Array.isArray(o['args'])) called.add(o['function']);
      for (const v of Object.values(o)) if (typeof v === 'object') walk(v);
    }
  };
  for (const rule of rules) {
    const compiled = compileRule(rule);
    assert.ok(compiled.transition || compiled.program, `rule does not compile: ${rule}: ${compiled.error}`);
    walk(parse(rule));
  }
  for (const name of called) {
    if (LANGUAGE.has(name)) continue;
    assert.ok(env.funcs.find(name), `CEL function ${name} is not provided`);
  }
  for (const expected of ['url', 'isURL', 'getScheme', 'duration', 'matches', 'substring'])
    assert.ok(called.has(expected), expected);
});

test('Kubernetes URL functions follow ParseRequestURI', () => {
  const run = (expr: string) => compileRule(expr).program!({});
  assert.equal(run('url("https://example.com:8443/a?b=c").getScheme()'), 'https');
  assert.equal(run('url("https://example.com:8443/a").getHostname()'), 'example.com');
  assert.equal(run('url("https://example.com:8443/a").getPort()'), '8443');
  assert.equal(run('url("/just/a/path").getScheme()'), '');
  assert.equal(run('isURL("oci://ghcr.io/x")'), true);
  assert.equal(run('isURL("ghcr.io/x")'), false);
  assert.ok(isCelError(run('url("not a url")')));
  assert.equal(run('isIP("10.0.0.1") && !isIP("10.0.0.256") && isCIDR("10.0.0.0/8")'), true);
});

function errorsOf(schema: JsonSchema, body: Record<string, unknown>): string[] {
  return validateAgainstSchema(schema, body).map((i) => `${i.path.join('.')}: ${i.message}`);
}

test('structural checks: type, unknown field, enum, oneOf, min/max, format, pattern, list-map keys', () => {
  const dr = kindSchemas('networking.istio.io', 'DestinationRule')!.versions['v1']!;
  const errs = errorsOf(dr, {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'x' },
    spec: {
      host: 5,
      hostz: 'typo',
      trafficPolicy: {
        loadBalancer: { simple: 'FASTEST', consistentHash: { httpHeaderName: 'x' } },
        connectionPool: { tcp: { maxConnections: 2 ** 31 } },
      },
    },
  });
  assert.ok(errs.includes('spec.host: must be of type string, got integer 5'), errs.join('\n'));
  assert.ok(errs.includes('spec.hostz: unknown field "hostz"'), errs.join('\n'));
  assert.ok(
    errs.some((e) => e.startsWith('spec.trafficPolicy.loadBalancer.simple: unsupported value "FASTEST"')),
    errs.join('\n'),
  );
  assert.ok(
    errs.includes('spec.trafficPolicy.loadBalancer: only one of simple, consistentHash may be set'),
    errs.join('\n'),
  );
  assert.ok(
    errs.some((e) =>
      e.startsWith('spec.trafficPolicy.connectionPool.tcp.maxConnections: must be a 32-bit integer'),
    ),
    errs.join('\n'),
  );

  const gw = kindSchemas('gateway.networking.k8s.io', 'Gateway')!.versions['v1']!;
  const gwErrs = errorsOf(gw, {
    spec: {
      gatewayClassName: 'istio',
      listeners: [
        { name: 'http', port: 0, protocol: 'HTTP', hostname: 'Bad_Host' },
        { name: 'http', port: 80, protocol: 'HTTP' },
      ],
    },
  });
  assert.ok(
    gwErrs.includes('spec.listeners.0.port: must be greater than or equal to 1, got 0'),
    gwErrs.join('\n'),
  );
  assert.ok(
    gwErrs.some((e) => e.startsWith('spec.listeners.0.hostname: "Bad_Host" must match the pattern')),
    gwErrs.join('\n'),
  );
  assert.ok(
    gwErrs.some((e) => e.startsWith('spec.listeners.1: duplicate entry with key name="http"')),
    gwErrs.join('\n'),
  );
  const missing = errorsOf(gw, { spec: { listeners: [] } });
  assert.ok(missing.includes('spec.gatewayClassName: required field is missing'), missing.join('\n'));
  assert.ok(missing.includes('spec.listeners: must have at least 1 items, got 0'), missing.join('\n'));
});

test('nulls of non-nullable fields are pruned, and preserve-unknown-fields keeps unknown keys', () => {
  const se = kindSchemas('networking.istio.io', 'ServiceEntry')!.versions['v1']!;
  assert.deepEqual(
    errorsOf(se, { spec: { hosts: ['a.example.com'], location: null }, status: { anything: 1 } }),
    [],
  );
});

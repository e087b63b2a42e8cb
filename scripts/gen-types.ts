// Generates src/api/types/generated/istio.ts, the TypeScript interfaces of every Istio kind's
// spec, from Istio's CRD OpenAPI schemas (../shared/istio/crd-all.gen.yaml). Generated rather than
// hand-written so the field names, optionality and enums cannot drift from Istio's; a unit test
// (src/api/types/generated.test.ts) fails when the committed file is stale.
//
// Usage: node scripts/gen-types.ts            (writes the file)
//        node scripts/gen-types.ts --check    (exits 1 when the committed file differs)
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const CRD_FILE = resolve(import.meta.dirname, '..', '..', 'shared', 'istio', 'crd-all.gen.yaml');
export const OUTPUT_FILE = resolve(import.meta.dirname, '..', 'src', 'api', 'types', 'generated', 'istio.ts');

/** The kinds we type, in output order, each with the interface name of its spec. */
const KINDS: ReadonlyArray<readonly [kind: string, specName: string]> = [
  ['VirtualService', 'VirtualServiceSpec'],
  ['DestinationRule', 'DestinationRuleSpec'],
  ['Gateway', 'GatewaySpec'],
  ['ServiceEntry', 'ServiceEntrySpec'],
  ['WorkloadEntry', 'WorkloadEntrySpec'],
  ['WorkloadGroup', 'WorkloadGroupSpec'],
  ['Sidecar', 'SidecarSpec'],
  ['PeerAuthentication', 'PeerAuthenticationSpec'],
  ['AuthorizationPolicy', 'AuthorizationPolicySpec'],
  ['RequestAuthentication', 'RequestAuthenticationSpec'],
  ['Telemetry', 'TelemetrySpec'],
];

/**
 * Schema positions that get a named interface (Istio's proto message names), so the control plane
 * can say `HTTPRoute` instead of an indexed type. A name used at several positions must have the
 * same structure at each; the generator checks that.
 */
const NAMED: Record<string, Record<string, string>> = {
  VirtualService: {
    'spec.http[]': 'HTTPRoute',
    'spec.http[].match[]': 'HTTPMatchRequest',
    'spec.http[].match[].uri': 'StringMatch',
    'spec.http[].match[].scheme': 'StringMatch',
    'spec.http[].match[].method': 'StringMatch',
    'spec.http[].match[].authority': 'StringMatch',
    'spec.http[].match[].headers{}': 'StringMatch',
    'spec.http[].match[].queryParams{}': 'StringMatch',
    'spec.http[].match[].withoutHeaders{}': 'StringMatch',
    'spec.http[].route[]': 'HTTPRouteDestination',
    'spec.http[].route[].destination': 'Destination',
    'spec.http[].route[].destination.port': 'PortSelector',
    'spec.http[].route[].headers': 'Headers',
    'spec.http[].headers': 'Headers',
    'spec.http[].redirect': 'HTTPRedirect',
    'spec.http[].directResponse': 'HTTPDirectResponse',
    'spec.http[].delegate': 'Delegate',
    'spec.http[].rewrite': 'HTTPRewrite',
    'spec.http[].retries': 'HTTPRetry',
    'spec.http[].fault': 'HTTPFaultInjection',
    'spec.http[].corsPolicy': 'CorsPolicy',
    'spec.http[].mirror': 'Destination',
    'spec.http[].mirror.port': 'PortSelector',
    'spec.http[].mirrors[].destination.port': 'PortSelector',
    'spec.tcp[].route[].destination.port': 'PortSelector',
    'spec.tls[].route[].destination.port': 'PortSelector',
    'spec.http[].corsPolicy.allowOrigins[]': 'StringMatch',
    'spec.http[].fault.abort': 'InjectAbort',
    'spec.http[].fault.delay': 'InjectDelay',
    'spec.http[].headers.request': 'HeaderOperations',
    'spec.http[].headers.response': 'HeaderOperations',
    'spec.http[].route[].headers.request': 'HeaderOperations',
    'spec.http[].route[].headers.response': 'HeaderOperations',
    'spec.http[].mirrors[]': 'HTTPMirrorPolicy',
    'spec.http[].mirrors[].destination': 'Destination',
    'spec.http[].mirrorPercentage': 'Percent',
    'spec.http[].mirrors[].percentage': 'Percent',
    'spec.http[].fault.delay.percentage': 'Percent',
    'spec.http[].fault.abort.percentage': 'Percent',
    'spec.tcp[]': 'TCPRoute',
    'spec.tcp[].match[]': 'L4MatchAttributes',
    'spec.tcp[].route[]': 'RouteDestination',
    'spec.tcp[].route[].destination': 'Destination',
    'spec.tls[]': 'TLSRoute',
    'spec.tls[].match[]': 'TLSMatchAttributes',
    'spec.tls[].route[]': 'RouteDestination',
    'spec.tls[].route[].destination': 'Destination',
  },
  DestinationRule: {
    'spec.trafficPolicy': 'TrafficPolicy',
    'spec.subsets[]': 'Subset',
    'spec.subsets[].trafficPolicy': 'TrafficPolicy',
    'spec.trafficPolicy.portLevelSettings[]': 'PortTrafficPolicy',
    'spec.trafficPolicy.loadBalancer': 'LoadBalancerSettings',
    'spec.trafficPolicy.loadBalancer.consistentHash': 'ConsistentHashLB',
    'spec.trafficPolicy.loadBalancer.localityLbSetting': 'LocalityLoadBalancerSetting',
    'spec.trafficPolicy.connectionPool': 'ConnectionPoolSettings',
    'spec.trafficPolicy.outlierDetection': 'OutlierDetection',
    'spec.trafficPolicy.tls': 'ClientTLSSettings',
    'spec.trafficPolicy.tunnel': 'TrafficPolicyTunnelSettings',
    'spec.trafficPolicy.proxyProtocol': 'TrafficPolicyProxyProtocol',
    'spec.trafficPolicy.retryBudget': 'TrafficPolicyRetryBudget',
    'spec.trafficPolicy.portLevelSettings[].port': 'PortSelector',
    'spec.trafficPolicy.portLevelSettings[].loadBalancer': 'LoadBalancerSettings',
    'spec.trafficPolicy.portLevelSettings[].connectionPool': 'ConnectionPoolSettings',
    'spec.trafficPolicy.portLevelSettings[].outlierDetection': 'OutlierDetection',
    'spec.trafficPolicy.portLevelSettings[].tls': 'ClientTLSSettings',
    'spec.workloadSelector': 'LabelSelector',
  },
  Gateway: {
    'spec.servers[]': 'Server',
    'spec.servers[].port': 'Port',
    'spec.servers[].tls': 'ServerTLSSettings',
  },
  ServiceEntry: {
    'spec.ports[]': 'ServicePort',
    'spec.endpoints[]': 'WorkloadEntrySpec',
    'spec.workloadSelector': 'WorkloadSelector',
  },
  WorkloadEntry: {},
  WorkloadGroup: {
    'spec.metadata': 'WorkloadGroupObjectMeta',
    'spec.template': 'WorkloadEntrySpec',
    'spec.probe': 'ReadinessProbe',
  },
  Sidecar: {
    'spec.ingress[]': 'IstioIngressListener',
    'spec.egress[]': 'IstioEgressListener',
    'spec.ingress[].port': 'SidecarPort',
    'spec.egress[].port': 'SidecarPort',
    'spec.ingress[].tls': 'ServerTLSSettings',
    'spec.workloadSelector': 'WorkloadSelector',
    'spec.outboundTrafficPolicy': 'OutboundTrafficPolicy',
    'spec.inboundConnectionPool': 'ConnectionPoolSettings',
    'spec.ingress[].connectionPool': 'ConnectionPoolSettings',
  },
  PeerAuthentication: {
    'spec.selector': 'LabelSelector',
    'spec.mtls': 'PeerAuthenticationMutualTLS',
    'spec.portLevelMtls{}': 'PeerAuthenticationMutualTLS',
  },
  AuthorizationPolicy: {
    'spec.selector': 'LabelSelector',
    'spec.targetRef': 'PolicyTargetReference',
    'spec.targetRefs[]': 'PolicyTargetReference',
    'spec.rules[]': 'Rule',
    'spec.rules[].from[]': 'RuleFrom',
    'spec.rules[].from[].source': 'Source',
    'spec.rules[].to[]': 'RuleTo',
    'spec.rules[].to[].operation': 'Operation',
    'spec.rules[].when[]': 'Condition',
    'spec.provider': 'ExtensionProvider',
  },
  RequestAuthentication: {
    'spec.selector': 'LabelSelector',
    'spec.targetRef': 'PolicyTargetReference',
    'spec.targetRefs[]': 'PolicyTargetReference',
    'spec.jwtRules[]': 'JWTRule',
    'spec.jwtRules[].fromHeaders[]': 'JWTHeader',
    'spec.jwtRules[].outputClaimToHeaders[]': 'ClaimToHeader',
  },
  Telemetry: {
    'spec.selector': 'LabelSelector',
    'spec.targetRef': 'PolicyTargetReference',
    'spec.targetRefs[]': 'PolicyTargetReference',
    'spec.tracing[]': 'Tracing',
    'spec.metrics[]': 'Metrics',
    'spec.accessLogging[]': 'AccessLogging',
    'spec.tracing[].providers[]': 'ProviderRef',
    'spec.metrics[].providers[]': 'ProviderRef',
    'spec.accessLogging[].providers[]': 'ProviderRef',
  },
};

type Schema = Record<string, unknown>;

function isSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Keys that do not change the TypeScript type of a schema position. */
const NOT_TYPE_KEYS = new Set([
  'description',
  'x-kubernetes-validations',
  'oneOf',
  'anyOf',
  'allOf',
  'maxLength',
]);

/** The schema without prose and validations, to compare two positions that share a name. */
function structureOf(s: unknown): string {
  return JSON.stringify(s, (key, value) => (NOT_TYPE_KEYS.has(key) ? undefined : value));
}

function docComment(s: Schema, indent: string): string {
  const text = typeof s['description'] === 'string' ? s['description'].replace(/\s+/g, ' ').trim() : '';
  if (!text) return '';
  return `${indent}/** ${text.replaceAll('*/', '*\\/')} */\n`;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

class Generator {
  /** Named interfaces already emitted, with the structure they were emitted from. */
  private readonly named = new Map<string, string>();
  private readonly out: string[] = [];
  readonly errors: string[] = [];

  emitKind(kind: string, specName: string, spec: Schema): void {
    this.emitInterface(kind, 'spec', specName, spec);
  }

  private emitInterface(kind: string, path: string, name: string, s: Schema): void {
    const structure = structureOf(s);
    const seen = this.named.get(name);
    if (seen !== undefined) {
      if (seen !== structure) this.errors.push(`${kind} ${path}: ${name} differs from its first definition`);
      return;
    }
    this.named.set(name, structure);
    const body = this.objectBody(kind, path, s, '  ');
    // The position's description belongs on the property that uses the type, not on the type.
    this.out.push(`export interface ${name} ${body}\n`);
  }

  private objectBody(kind: string, path: string, s: Schema, indent: string): string {
    const props = isSchema(s['properties']) ? s['properties'] : {};
    const required = new Set(Array.isArray(s['required']) ? s['required'].map(String) : []);
    const lines: string[] = [];
    for (const [key, child] of Object.entries(props)) {
      if (!isSchema(child)) continue;
      const prop = IDENT.test(key) ? key : JSON.stringify(key);
      const optional = required.has(key) ? '' : '?';
      const type = this.typeOf(kind, `${path}.${key}`, child, indent);
      lines.push(`${docComment(child, indent)}${indent}${prop}${optional}: ${type};\n`);
    }
    if (lines.length === 0) return '{}';
    return `{\n${lines.join('')}${indent.slice(2)}}`;
  }

  private typeOf(kind: string, path: string, s: Schema, indent: string): string {
    const name = NAMED[kind]?.[path];
    if (name !== undefined) {
      this.emitInterface(kind, path, name, s);
      return name;
    }
    if (s['x-kubernetes-int-or-string'] === true) return 'number | string';
    const enumValues = s['enum'];
    if (Array.isArray(enumValues)) return enumValues.map((v) => JSON.stringify(v)).join(' | ');
    switch (s['type']) {
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'array': {
        const items = isSchema(s['items']) ? this.typeOf(kind, `${path}[]`, s['items'], indent) : 'unknown';
        return /^[A-Za-z0-9_]+$/.test(items) ? `${items}[]` : `Array<${items}>`;
      }
      case 'object': {
        if (isSchema(s['additionalProperties'])) {
          return `Record<string, ${this.typeOf(kind, `${path}{}`, s['additionalProperties'], indent)}>`;
        }
        if (!isSchema(s['properties'])) return 'Record<string, unknown>';
        return this.objectBody(kind, path, s, `${indent}  `);
      }
      default:
        return 'unknown';
    }
  }

  text(): string {
    return this.out.join('\n');
  }
}

const HEADER = `// GENERATED by scripts/gen-types.ts from Istio 1.30's CRDs (crd-all.gen.yaml). DO NOT EDIT.
// Field names, descriptions and enums come from Istio's API, Copyright Istio Authors,
// licensed under the Apache License, Version 2.0.
// Regenerate with: node scripts/gen-types.ts
`;

/** The generated module for the given CRD file text; throws when the schemas break our naming. */
export function generateTypes(crdText: string): string {
  const specs = new Map<string, Schema>();
  for (const doc of parseAllDocuments(crdText)) {
    const crd: unknown = doc.toJS();
    if (!isSchema(crd) || !isSchema(crd['spec'])) continue;
    const names = crd['spec']['names'];
    const versions = crd['spec']['versions'];
    if (!isSchema(names) || !Array.isArray(versions)) continue;
    // v1 is what users write today; older kinds without v1 use their storage version.
    const version =
      versions.find((v) => isSchema(v) && v['name'] === 'v1') ??
      versions.find((v) => isSchema(v) && v['storage']);
    const spec = (version as Schema | undefined)?.['schema'];
    const root = isSchema(spec) && isSchema(spec['openAPIV3Schema']) ? spec['openAPIV3Schema'] : undefined;
    const props = root && isSchema(root['properties']) ? root['properties'] : undefined;
    if (props && isSchema(props['spec'])) specs.set(String(names['kind']), props['spec']);
  }
  const gen = new Generator();
  for (const [kind, specName] of KINDS) {
    const spec = specs.get(kind);
    if (!spec) throw new Error(`gen-types: kind ${kind} not found in the CRD file`);
    gen.emitKind(kind, specName, spec);
  }
  if (gen.errors.length) throw new Error(`gen-types:\n  ${gen.errors.join('\n  ')}`);
  return `${HEADER}\n${gen.text()}`;
}

if (import.meta.main) {
  const text = generateTypes(readFileSync(CRD_FILE, 'utf8'));
  if (process.argv.includes('--check')) {
    const current = readFileSync(OUTPUT_FILE, 'utf8');
    if (current !== text) {
      process.stderr.write(`${OUTPUT_FILE} is stale; run node scripts/gen-types.ts\n`);
      process.exit(1);
    }
  } else {
    writeFileSync(OUTPUT_FILE, text);
  }
}

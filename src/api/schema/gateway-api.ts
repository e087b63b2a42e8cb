// Structural schemas for the Gateway API kinds Weft accepts (gateway.networking.k8s.io, Gateway
// API v1.5 standard channel, plus the experimental TCPRoute). Written here from the Gateway API's
// published API reference (field names, limits, patterns and validation messages), because no
// maintained npm package ships the CRD schemas with their CEL rules. Fields of the experimental
// channel are not modelled; they are reported as unknown fields, as a standard-channel cluster
// would. Defaults are not applied, so rules read fields with has() guards.
import type { CelRule, JsonSchema } from './types.ts';

const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const HOSTNAME = '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const DURATION = '^([0-9]{1,5}(h|m|s|ms)){1,4}$';
const HEADER_NAME = "^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$";

const str = (extra: JsonSchema = {}): JsonSchema => ({ type: 'string', ...extra });
const obj = (properties: Record<string, JsonSchema>, extra: JsonSchema = {}): JsonSchema => ({
  type: 'object',
  properties,
  ...extra,
});
const arr = (items: JsonSchema, extra: JsonSchema = {}): JsonSchema => ({ type: 'array', items, ...extra });
const rules = (...list: CelRule[]): JsonSchema => ({ 'x-kubernetes-validations': list });

const group = str({ maxLength: 253, pattern: '^$|' + DNS_SUBDOMAIN });
const kind = str({ minLength: 1, maxLength: 63, pattern: '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$' });
const objectName = str({ minLength: 1, maxLength: 253 });
const namespace = str({ minLength: 1, maxLength: 63, pattern: DNS_LABEL });
const sectionName = str({ minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN });
const port = { type: 'integer', format: 'int32', minimum: 1, maximum: 65535 } as const satisfies JsonSchema;
const hostname = str({ minLength: 1, maxLength: 253, pattern: HOSTNAME });
const labelMap: JsonSchema = { type: 'object', additionalProperties: str() };

const parentRef = obj(
  { group, kind, namespace, name: objectName, sectionName, port },
  { required: ['name'] },
);
const parentRefs = arr(parentRef, { maxItems: 32 });
const hostnames = arr(hostname, { maxItems: 16 });

const servicePortRule: CelRule = {
  message: 'Must have port for Service reference',
  rule: "((has(self.group) ? self.group : '') == '' && (has(self.kind) ? self.kind : 'Service') == 'Service') ? has(self.port) : true",
};
const backendObjectRef = obj(
  { group, kind, name: objectName, namespace, port },
  { required: ['name'], ...rules(servicePortRule) },
);
const weight = {
  type: 'integer',
  format: 'int32',
  minimum: 0,
  maximum: 1000000,
} as const satisfies JsonSchema;

const header = obj(
  {
    name: str({ minLength: 1, maxLength: 256, pattern: HEADER_NAME }),
    value: str({ minLength: 1, maxLength: 4096 }),
  },
  { required: ['name', 'value'] },
);
const headerList = arr(header, {
  maxItems: 16,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['name'],
});
const headerModifier = obj({
  set: headerList,
  add: headerList,
  remove: arr(str(), { maxItems: 16, 'x-kubernetes-list-type': 'set' }),
});
const localObjectRef = obj({ group, kind, name: objectName }, { required: ['group', 'kind', 'name'] });
const mirror = obj(
  {
    backendRef: backendObjectRef,
    percent: { type: 'integer', format: 'int32', minimum: 0, maximum: 100 },
    fraction: obj(
      {
        numerator: { type: 'integer', format: 'int32', minimum: 0 },
        denominator: { type: 'integer', format: 'int32', minimum: 1 },
      },
      {
        required: ['numerator'],
        ...rules({
          message: 'numerator must be less than or equal to denominator',
          rule: 'self.numerator <= (has(self.denominator) ? self.denominator : 100)',
        }),
      },
    ),
  },
  {
    required: ['backendRef'],
    ...rules({
      message: 'Only one of percent or fraction may be specified in HTTPRequestMirrorFilter',
      rule: '!(has(self.percent) && has(self.fraction))',
    }),
  },
);
const pathModifier = obj(
  {
    type: str({ enum: ['ReplaceFullPath', 'ReplacePrefixMatch'] }),
    replaceFullPath: str({ maxLength: 1024 }),
    replacePrefixMatch: str({ maxLength: 1024 }),
  },
  {
    required: ['type'],
    ...rules(
      {
        message: "replaceFullPath must be specified when type is set to 'ReplaceFullPath'",
        rule: "self.type == 'ReplaceFullPath' ? has(self.replaceFullPath) : true",
      },
      {
        message: "type must be 'ReplaceFullPath' when replaceFullPath is set",
        rule: "has(self.replaceFullPath) ? self.type == 'ReplaceFullPath' : true",
      },
      {
        message: "replacePrefixMatch must be specified when type is set to 'ReplacePrefixMatch'",
        rule: "self.type == 'ReplacePrefixMatch' ? has(self.replacePrefixMatch) : true",
      },
      {
        message: "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set",
        rule: "has(self.replacePrefixMatch) ? self.type == 'ReplacePrefixMatch' : true",
      },
    ),
  },
);

function filterRules(types: string[]): CelRule[] {
  const field = (t: string) => t.charAt(0).toLowerCase() + t.slice(1).replace(/^uRL/, 'url');
  return types.map((t) => ({
    message: `filter.${field(t)} must be specified if and only if filter.type is ${t}`,
    rule: `!(has(self.${field(t)}) != (self.type == '${t}'))`,
  }));
}

const HTTP_FILTERS = [
  'RequestHeaderModifier',
  'ResponseHeaderModifier',
  'RequestMirror',
  'RequestRedirect',
  'URLRewrite',
  'ExtensionRef',
];
const httpFilter = obj(
  {
    type: str({ enum: HTTP_FILTERS }),
    requestHeaderModifier: headerModifier,
    responseHeaderModifier: headerModifier,
    requestMirror: mirror,
    requestRedirect: obj({
      scheme: str({ enum: ['http', 'https'] }),
      hostname: str({ minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN }),
      path: pathModifier,
      port,
      statusCode: { type: 'integer', enum: [301, 302, 303, 307, 308] },
    }),
    urlRewrite: obj({
      hostname: str({ minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN }),
      path: pathModifier,
    }),
    extensionRef: localObjectRef,
  },
  { required: ['type'], ...rules(...filterRules(HTTP_FILTERS)) },
);
const GRPC_FILTERS = ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'ExtensionRef'];
const grpcFilter = obj(
  {
    type: str({ enum: GRPC_FILTERS }),
    requestHeaderModifier: headerModifier,
    responseHeaderModifier: headerModifier,
    requestMirror: mirror,
    extensionRef: localObjectRef,
  },
  { required: ['type'], ...rules(...filterRules(GRPC_FILTERS)) },
);

const backendRef = (filter?: JsonSchema): JsonSchema =>
  obj(
    {
      group,
      kind,
      name: objectName,
      namespace,
      port,
      weight,
      ...(filter ? { filters: arr(filter, { maxItems: 16 }) } : {}),
    },
    { required: ['name'], ...rules(servicePortRule) },
  );

const matchType = (types: string[]) => str({ enum: types });
const httpPath = obj(
  { type: matchType(['Exact', 'PathPrefix', 'RegularExpression']), value: str({ maxLength: 1024 }) },
  rules(
    {
      message: "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
      rule: "(has(self.type) ? self.type : 'PathPrefix') in ['Exact', 'PathPrefix'] ? (has(self.value) ? self.value : '/').startsWith('/') : true",
    },
    {
      message: "must not contain '//' when type one of ['Exact', 'PathPrefix']",
      rule: "(has(self.type) ? self.type : 'PathPrefix') in ['Exact', 'PathPrefix'] ? !(has(self.value) ? self.value : '/').contains('//') : true",
    },
  ),
);
const headerMatch = obj(
  {
    type: matchType(['Exact', 'RegularExpression']),
    name: header.properties!['name']!,
    value: str({ minLength: 1, maxLength: 4096 }),
  },
  { required: ['name', 'value'] },
);
const headerMatches = arr(headerMatch, {
  maxItems: 16,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['name'],
});
const httpMatch = obj({
  path: httpPath,
  headers: headerMatches,
  queryParams: headerMatches,
  method: str({ enum: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] }),
});
const timeouts = obj(
  { request: str({ pattern: DURATION }), backendRequest: str({ pattern: DURATION }) },
  rules({
    message: 'backendRequest timeout cannot be longer than request timeout',
    rule: "!(has(self.request) && has(self.backendRequest) && duration(self.request) != duration('0s') && duration(self.backendRequest) > duration(self.request))",
  }),
);
const ruleName = sectionName;
const uniqueRuleNames: CelRule = {
  message: 'Rule name must be unique within the route',
  rule: 'self.all(l1, !has(l1.name) || self.exists_one(l2, has(l2.name) && l1.name == l2.name))',
};

const routeSpec = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema =>
  obj({ parentRefs, ...properties }, required.length ? { required } : {});

const httpRouteSpec = routeSpec({
  hostnames,
  rules: arr(
    obj({
      name: ruleName,
      matches: arr(httpMatch, { maxItems: 64 }),
      filters: arr(httpFilter, { maxItems: 16 }),
      backendRefs: arr(backendRef(httpFilter), { maxItems: 16 }),
      timeouts,
    }),
    { maxItems: 16, ...rules(uniqueRuleNames) },
  ),
});

const grpcRouteSpec = routeSpec({
  hostnames,
  rules: arr(
    obj({
      name: ruleName,
      matches: arr(
        obj({
          method: obj(
            {
              type: matchType(['Exact', 'RegularExpression']),
              service: str({ maxLength: 1024 }),
              method: str({ maxLength: 1024 }),
            },
            rules({
              message: "One or both of 'service' or 'method' must be specified",
              rule: 'has(self.service) || has(self.method)',
            }),
          ),
          headers: headerMatches,
        }),
        { maxItems: 8 },
      ),
      filters: arr(grpcFilter, { maxItems: 16 }),
      backendRefs: arr(backendRef(grpcFilter), { maxItems: 16 }),
    }),
    { maxItems: 16, ...rules(uniqueRuleNames) },
  ),
});

const l4Rules = arr(
  obj(
    { name: ruleName, backendRefs: arr(backendRef(), { minItems: 1, maxItems: 16 }) },
    { required: ['backendRefs'] },
  ),
  { minItems: 1, maxItems: 16, ...rules(uniqueRuleNames) },
);
const tcpRouteSpec = routeSpec({ rules: l4Rules }, ['rules']);
const tlsRouteSpec = (hostnamesRequired: boolean) =>
  routeSpec(
    {
      hostnames: hostnamesRequired ? arr(hostname, { minItems: 1, maxItems: 16 }) : hostnames,
      rules: l4Rules,
    },
    hostnamesRequired ? ['hostnames', 'rules'] : ['rules'],
  );

const secretRef = obj({ group, kind, name: objectName, namespace }, { required: ['name'] });
const listener = obj(
  {
    name: sectionName,
    hostname,
    port,
    protocol: str({
      minLength: 1,
      maxLength: 255,
      pattern: '^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|' + DNS_SUBDOMAIN.slice(0, -1) + '\\/[A-Za-z0-9]+$',
    }),
    tls: obj(
      {
        mode: str({ enum: ['Terminate', 'Passthrough'] }),
        certificateRefs: arr(secretRef, { maxItems: 64 }),
        options: {
          type: 'object',
          maxProperties: 16,
          additionalProperties: str({ minLength: 0, maxLength: 4096 }),
        },
      },
      rules({
        message: 'certificateRefs or options must be specified when mode is Terminate',
        rule: "(has(self.mode) ? self.mode : 'Terminate') == 'Terminate' ? (has(self.certificateRefs) && size(self.certificateRefs) > 0) || (has(self.options) && size(self.options) > 0) : true",
      }),
    ),
    allowedRoutes: obj({
      namespaces: obj(
        {
          from: str({ enum: ['All', 'Selector', 'Same'] }),
          selector: obj({
            matchLabels: labelMap,
            matchExpressions: arr(
              obj(
                {
                  key: str(),
                  operator: str({ enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] }),
                  values: arr(str()),
                },
                { required: ['key', 'operator'] },
              ),
            ),
          }),
        },
        rules({
          message: 'selector must be specified when from is Selector',
          rule: "(has(self.from) && self.from == 'Selector') ? has(self.selector) : true",
        }),
      ),
      kinds: arr(obj({ group, kind }, { required: ['kind'] }), { maxItems: 8 }),
    }),
  },
  { required: ['name', 'port', 'protocol'] },
);

const gatewaySpec = obj(
  {
    gatewayClassName: objectName,
    listeners: arr(listener, {
      minItems: 1,
      maxItems: 64,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      ...rules(
        {
          message: "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
          rule: "self.all(l, l.protocol in ['HTTP', 'TCP', 'UDP'] ? !has(l.tls) : true)",
        },
        {
          message: 'tls mode must be Terminate for protocol HTTPS',
          rule: "self.all(l, (l.protocol == 'HTTPS' && has(l.tls)) ? (has(l.tls.mode) ? l.tls.mode == 'Terminate' : true) : true)",
        },
        {
          message: "hostname must not be specified for protocols ['TCP', 'UDP']",
          rule: "self.all(l, l.protocol in ['TCP', 'UDP'] ? (!has(l.hostname) || l.hostname == '') : true)",
        },
        {
          message: 'Listener name must be unique within the Gateway',
          rule: 'self.all(l1, self.exists_one(l2, l1.name == l2.name))',
        },
        {
          message: 'Combination of port, protocol and hostname must be unique for each listener',
          rule: 'self.all(l1, self.exists_one(l2, l1.port == l2.port && l1.protocol == l2.protocol && (has(l1.hostname) && has(l2.hostname) ? l1.hostname == l2.hostname : !has(l1.hostname) && !has(l2.hostname))))',
        },
      ),
    }),
    addresses: arr(
      obj(
        {
          type: str({
            minLength: 1,
            maxLength: 253,
            pattern: '^Hostname|IPAddress|NamedAddress|' + DNS_SUBDOMAIN.slice(0, -1) + '\\/[a-zA-Z0-9]+$',
          }),
          value: str({ maxLength: 253 }),
        },
        rules({
          message:
            'Hostname value must be empty or contain only valid characters (matching ^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)',
          rule:
            "(has(self.type) && self.type == 'Hostname' && has(self.value)) ? self.value.matches(r\"" +
            HOSTNAME +
            '") : true',
        }),
      ),
      { maxItems: 16 },
    ),
    infrastructure: obj({
      labels: { type: 'object', maxProperties: 8, additionalProperties: str({ maxLength: 63 }) },
      annotations: { type: 'object', maxProperties: 8, additionalProperties: str({ maxLength: 4096 }) },
      parametersRef: localObjectRef,
    }),
  },
  { required: ['gatewayClassName', 'listeners'] },
);

const status: JsonSchema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const resource = (spec: JsonSchema): JsonSchema => obj({ spec, status }, { required: ['spec'] });

/** Gateway API kinds by name: served versions and their schema. */
export const gatewayApiSchemas = [
  {
    group: 'gateway.networking.k8s.io',
    kind: 'Gateway',
    versions: { v1: resource(gatewaySpec), v1beta1: resource(gatewaySpec) },
  },
  {
    group: 'gateway.networking.k8s.io',
    kind: 'HTTPRoute',
    versions: { v1: resource(httpRouteSpec), v1beta1: resource(httpRouteSpec) },
  },
  { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', versions: { v1: resource(grpcRouteSpec) } },
  { group: 'gateway.networking.k8s.io', kind: 'TCPRoute', versions: { v1alpha2: resource(tcpRouteSpec) } },
  {
    group: 'gateway.networking.k8s.io',
    kind: 'TLSRoute',
    versions: {
      v1: resource(tlsRouteSpec(true)),
      v1alpha3: resource(tlsRouteSpec(true)),
      v1alpha2: resource(tlsRouteSpec(false)),
    },
  },
] as const;

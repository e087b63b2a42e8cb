// AuthorizationPolicy, PeerAuthentication and RequestAuthentication rules beyond their schemas.
import type { FieldPath } from '../issue.ts';
import { checkHeaderName } from './checks.ts';
import { at, checkLabelsAt } from './common.ts';
import { isIpOrCidr } from './hosts.ts';
import type { Report } from './report.ts';
import { isObj, list, type Obj, obj, str, strings } from './values.ts';

const SOURCE_FIELDS = [
  'principals',
  'notPrincipals',
  'requestPrincipals',
  'notRequestPrincipals',
  'namespaces',
  'notNamespaces',
  'serviceAccounts',
  'notServiceAccounts',
  'ipBlocks',
  'notIpBlocks',
  'remoteIpBlocks',
  'notRemoteIpBlocks',
];
const IP_FIELDS = new Set(['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks']);
const OPERATION_FIELDS = [
  'hosts',
  'notHosts',
  'ports',
  'notPorts',
  'methods',
  'notMethods',
  'paths',
  'notPaths',
];

/** Condition keys Istio's authorization understands; [..] keys take a header or claim name. */
const CONDITION_KEYS = new Set([
  'source.ip',
  'remote.ip',
  'source.namespace',
  'source.principal',
  'source.serviceAccount',
  'request.auth.principal',
  'request.auth.audiences',
  'request.auth.presenter',
  'destination.ip',
  'destination.port',
  'connection.sni',
]);

export function checkAuthorizationPolicy(report: Report, spec: Obj): void {
  checkLabelsAt(report, ['spec', 'selector', 'matchLabels'], obj(spec['selector'])?.['matchLabels']);
  const action = str(spec['action']) ?? 'ALLOW';
  const provider = obj(spec['provider']);
  if (action === 'CUSTOM' && !provider) {
    report.error(
      ['spec', 'action'],
      'action CUSTOM needs a provider',
      'set provider.name to an extension provider of the mesh config',
    );
  }
  if (provider && action !== 'CUSTOM') {
    report.error(['spec', 'provider'], `provider can only be used with action CUSTOM, not ${action}`);
  }
  if (provider && !str(provider['name']))
    report.error(['spec', 'provider', 'name'], 'provider name must not be empty');
  list(spec['rules']).forEach((r, i) => {
    const rule = obj(r);
    const path = ['spec', 'rules', i];
    if (!rule) return;
    checkClauses(report, [...path, 'from'], rule['from'], 'source', (p, source) =>
      checkSource(report, p, source),
    );
    checkClauses(report, [...path, 'to'], rule['to'], 'operation', (p, op) => checkOperation(report, p, op));
    list(rule['when']).forEach((c, j) => {
      const condition = obj(c);
      if (condition) checkCondition(report, [...path, 'when', j], condition);
    });
  });
}

/** `from`/`to`: if present, not empty, and each entry's source/operation has at least one field. */
function checkClauses(
  report: Report,
  path: FieldPath,
  value: unknown,
  inner: string,
  check: (path: FieldPath, body: Obj) => void,
): void {
  if (value === undefined || value === null) return;
  const clauses = list(value);
  const name = path[path.length - 1];
  if (clauses.length === 0) report.error(path, `\`${String(name)}\` must not be empty`);
  clauses.forEach((c, i) => {
    const body = obj(obj(c)?.[inner]);
    if (!body || Object.keys(body).length === 0) {
      report.error([...path, i, inner], `\`${String(name)}.${inner}\` must not be empty`);
      return;
    }
    check([...path, i, inner], body);
  });
}

/** Values may use '*' only as a prefix or suffix ('*', 'cluster.local/ns/*', '*-admin'). */
function checkWildcardValues(report: Report, path: FieldPath, values: string[]): void {
  values.forEach((v, i) => {
    if (v === '') report.error([...path, i], 'empty value is not allowed');
    const inner = v.slice(1, -1);
    if (inner.includes('*') || (v.startsWith('*') && v.endsWith('*') && v.length > 1)) {
      report.error([...path, i], `value "${v}": a wildcard is only allowed as a prefix or a suffix`);
    }
  });
}

function checkSource(report: Report, path: FieldPath, source: Obj): void {
  for (const field of SOURCE_FIELDS) {
    const values = strings(source[field]);
    if (IP_FIELDS.has(field)) {
      values.forEach((v, i) => {
        if (!isIpOrCidr(v)) report.error([...path, field, i], `"${v}" is not an IP address or CIDR`);
      });
    } else checkWildcardValues(report, [...path, field], values);
  }
}

function checkOperation(report: Report, path: FieldPath, op: Obj): void {
  for (const field of OPERATION_FIELDS) {
    const values = strings(op[field]);
    if (field === 'ports' || field === 'notPorts') {
      values.forEach((v, i) => {
        const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
        if (!(n >= 1 && n <= 65535)) {
          report.error([...path, field, i], `port "${v}" must be a number in the range 1..65535`);
        }
      });
    } else if (field === 'paths' || field === 'notPaths') {
      // Path templates ('/foo/{*}/bar', '/{**}') have their own syntax; plain paths follow the wildcard rule.
      checkWildcardValues(
        report,
        [...path, field],
        values.filter((v) => !v.includes('{')),
      );
    } else checkWildcardValues(report, [...path, field], values);
  }
}

function checkCondition(report: Report, path: FieldPath, condition: Obj): void {
  const key = str(condition['key']) ?? '';
  const values = strings(condition['values']);
  const notValues = strings(condition['notValues']);
  const bracketed = /^(request\.headers|request\.auth\.claims)\[(.+)\]$/.exec(key);
  if (!CONDITION_KEYS.has(key) && !bracketed && !key.startsWith('experimental.envoy.filters.')) {
    report.error(
      [...path, 'key'],
      `unknown attribute key "${key}"`,
      `e.g. ${[...CONDITION_KEYS].slice(0, 4).join(', ')}, request.headers[<name>]`,
    );
  }
  if (values.length === 0 && notValues.length === 0) {
    report.error(path, `condition on "${key}" must set values or notValues`);
  }
  const all: Array<[string, string[]]> = [
    ['values', values],
    ['notValues', notValues],
  ];
  for (const [field, list_] of all) {
    list_.forEach((v, i) => {
      if (key === 'destination.port' && !/^\d+$/.test(v)) {
        report.error([...path, field, i], `"${v}" is not a port number`);
      }
      if ((key === 'source.ip' || key === 'remote.ip' || key === 'destination.ip') && !isIpOrCidr(v)) {
        report.error([...path, field, i], `"${v}" is not an IP address or CIDR`);
      }
    });
  }
}

export function checkPeerAuthentication(report: Report, spec: Obj): void {
  checkLabelsAt(report, ['spec', 'selector', 'matchLabels'], obj(spec['selector'])?.['matchLabels']);
  // portLevelMtls keys and the selector they need are checked by the CRD's CEL rules.
}

export function checkRequestAuthentication(report: Report, spec: Obj): void {
  checkLabelsAt(report, ['spec', 'selector', 'matchLabels'], obj(spec['selector'])?.['matchLabels']);
  list(spec['jwtRules']).forEach((r, i) => {
    const rule = obj(r);
    if (!rule) return;
    const path = ['spec', 'jwtRules', i];
    if (!str(rule['issuer'])) report.error([...path, 'issuer'], 'issuer must be set');
    for (const field of ['jwksUri', 'jwks_uri']) {
      const uri = str(rule[field]);
      if (uri !== undefined && !URL.canParse(uri))
        report.error([...path, field], `${field} "${uri}" is not a valid URL`);
      else if (uri !== undefined && new URL(uri).hostname === '') {
        report.error([...path, field], `${field} "${uri}" has no host`);
      }
    }
    const jwks = str(rule['jwks']);
    if (jwks !== undefined) checkJwks(report, [...path, 'jwks'], jwks);
    list(rule['fromHeaders']).forEach((h, j) => {
      const name = str(obj(h)?.['name']);
      if (name) at(report, [...path, 'fromHeaders', j, 'name'], checkHeaderName(name.toLowerCase()));
    });
  });
}

function checkJwks(report: Report, path: FieldPath, jwks: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(jwks);
  } catch {
    report.error(path, 'jwks is not valid JSON', 'inline a JSON Web Key Set: {"keys": [...]}');
    return;
  }
  if (!isObj(parsed) || !Array.isArray(parsed['keys'])) {
    report.error(path, 'jwks must be a JSON Web Key Set with a "keys" array');
  }
}

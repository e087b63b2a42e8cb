// The CEL environment Kubernetes evaluates x-kubernetes-validations in: standard CEL with the
// strings extension, plus the Kubernetes library functions that Istio's and the Gateway API's
// rules call (URLs, IPs and CIDRs). Semantics follow the Kubernetes CEL library documentation:
// url() accepts absolute URIs and absolute paths, as Go's url.ParseRequestURI does.
import { isIP } from 'node:net';
import { type CelEnv, type CelFunc, CelScalar, celEnv, celFunc, celMethod, mapType } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { RE2JS } from 're2js';

// cel-es has no opaque types, so a Kubernetes URL is carried as a map with a marker key; its
// methods refuse maps without the marker, so ordinary maps do not gain URL methods.
const URL_MARK = '@kubernetes.URL';
const URL_TYPE = mapType(CelScalar.STRING, CelScalar.STRING);

interface UrlParts {
  scheme: string;
  host: string;
  hostname: string;
  port: string;
  path: string;
  query: string;
}

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

/** Parses like Go's url.ParseRequestURI: an absolute URI, or an absolute path. */
function parseRequestUri(text: string): UrlParts | undefined {
  if (text === '' || /[\s\x00-\x1f\x7f]/.test(text)) return undefined;
  const noFragment = text.split('#')[0]!;
  if (noFragment.startsWith('/')) {
    const [path, query = ''] = noFragment.split('?', 2) as [string, string?];
    return { scheme: '', host: '', hostname: '', port: '', path, query };
  }
  const scheme = SCHEME.exec(noFragment)?.[1];
  if (!scheme) return undefined;
  const rest = noFragment.slice(scheme.length + 1);
  if (!rest.startsWith('//')) {
    // An opaque URI such as mailto:x; Go accepts these with an empty host.
    if (rest === '') return undefined;
    return { scheme, host: '', hostname: '', port: '', path: '', query: rest.split('?')[1] ?? '' };
  }
  const afterSlashes = rest.slice(2);
  const end = afterSlashes.search(/[/?]/);
  const authority = end < 0 ? afterSlashes : afterSlashes.slice(0, end);
  const tail = end < 0 ? '' : afterSlashes.slice(end);
  const host = authority.includes('@') ? authority.slice(authority.lastIndexOf('@') + 1) : authority;
  const bracket = /^\[([^\]]+)\](?::(\d*))?$/.exec(host);
  let hostname = host;
  let port = '';
  if (bracket) {
    hostname = bracket[1]!;
    port = bracket[2] ?? '';
    if (isIP(hostname) !== 6) return undefined;
  } else if (host.includes(':')) {
    const at = host.lastIndexOf(':');
    hostname = host.slice(0, at);
    port = host.slice(at + 1);
    if (!/^\d*$/.test(port) || hostname.includes(':')) return undefined;
  }
  const [path, query = ''] = tail.split('?', 2) as [string, string?];
  return { scheme, host, hostname, port, path, query };
}

function urlOf(text: string): Map<string, string> {
  const parts = parseRequestUri(text);
  if (!parts) throw new Error(`URL parse error during conversion from string: ${JSON.stringify(text)}`);
  return new Map([
    [URL_MARK, ''],
    ['scheme', parts.scheme],
    ['host', parts.host],
    ['hostname', parts.hostname],
    ['port', parts.port],
    ['path', parts.path],
    ['query', parts.query],
  ]);
}

function urlPart(name: string): CelFunc {
  const key = name.replace(/^get/, '').toLowerCase().replace('escapedpath', 'path');
  return celMethod(name, URL_TYPE, [], CelScalar.STRING, function () {
    if (!this.has(URL_MARK)) throw new Error(`no such overload: ${name} on a map`);
    return String(this.get(key) ?? '');
  });
}

function parseCidr(text: string): { ip: string; bits: number } | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const family = isIP(m[1]!);
  const bits = Number(m[2]);
  if (family === 0 || bits > (family === 4 ? 32 : 128)) return undefined;
  return { ip: m[1]!, bits };
}

const kubernetesFuncs: CelFunc[] = [
  celFunc('isURL', [CelScalar.STRING], CelScalar.BOOL, (s: string) => parseRequestUri(s) !== undefined),
  celFunc('url', [CelScalar.STRING], URL_TYPE, urlOf),
  urlPart('getScheme'),
  urlPart('getHost'),
  urlPart('getHostname'),
  urlPart('getPort'),
  urlPart('getEscapedPath'),
  urlPart('getQuery'),
  celFunc('isIP', [CelScalar.STRING], CelScalar.BOOL, (s: string) => isIP(s) !== 0 && !s.includes('%')),
  celFunc('isCIDR', [CelScalar.STRING], CelScalar.BOOL, (s: string) => parseCidr(s) !== undefined),
];

/** RE2 semantics for `matches`, as Kubernetes (Go) evaluates it. */
const re2 = {
  compile(pattern: string) {
    const re = RE2JS.compile(pattern);
    return { test: (text: string) => re.matcher(text).find() };
  },
};

let env: CelEnv | undefined;

/** The shared environment, built on first use. */
export function kubernetesCelEnv(): CelEnv {
  env ??= celEnv({ funcs: [...strings, ...kubernetesFuncs], re2 });
  return env;
}

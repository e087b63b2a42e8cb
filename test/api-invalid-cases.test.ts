// Invalid (and near-miss valid) Istio documents through the whole pipeline: parseYaml →
// validateDocuments. Each case marks the line its error must point at with `#<` in the YAML, and
// names the field path and a fragment of the message, so a rule that reports the wrong place or
// says something vague fails here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { formatIssue, parseYaml, validateDocuments } from '../src/api/index.ts';

const GROUPS: Record<string, string> = {
  VirtualService: 'networking.istio.io/v1',
  DestinationRule: 'networking.istio.io/v1',
  Gateway: 'networking.istio.io/v1',
  ServiceEntry: 'networking.istio.io/v1',
  WorkloadEntry: 'networking.istio.io/v1',
  WorkloadGroup: 'networking.istio.io/v1',
  Sidecar: 'networking.istio.io/v1',
  AuthorizationPolicy: 'security.istio.io/v1',
  PeerAuthentication: 'security.istio.io/v1',
  RequestAuthentication: 'security.istio.io/v1',
  Telemetry: 'telemetry.istio.io/v1',
};

interface Case {
  name: string;
  kind: string;
  /** The spec, indented by two spaces; `#<` marks the line the issue must point at. */
  spec: string;
  /** Expected issue; absent for a valid near miss that must produce no issue at all. */
  path?: string;
  message?: string;
  /** The expected line when no spec line can carry the marker (6 is the `spec:` line). */
  line?: number;
}

/** A whole document: six header lines, then `spec:` content from line 7. */
function documentOf(c: Case): string {
  return `apiVersion: ${GROUPS[c.kind]}\nkind: ${c.kind}\nmetadata:\n  name: t\n  namespace: default\nspec:\n${c.spec}`;
}

const VS = 'VirtualService';
const DR = 'DestinationRule';
const GW = 'Gateway';
const SE = 'ServiceEntry';
const AP = 'AuthorizationPolicy';

const route = (extra: string) => `  hosts: [reviews]\n  http:\n  - ${extra}`;

const CASES: Case[] = [
  // VirtualService: hosts and gateways
  {
    name: 'vs wildcard host bound to mesh',
    kind: VS,
    spec: `  hosts:\n  - "*"  #<\n  http:\n  - route:\n    - destination: {host: reviews}\n`,
    path: 'spec.hosts[0]',
    message: 'not allowed for virtual services bound to the mesh gateway',
  },
  {
    name: 'vs wildcard host with gateway is valid',
    kind: VS,
    spec: `  hosts: ["*"]\n  gateways: [bookinfo-gateway]\n  http:\n  - route:\n    - destination: {host: productpage}\n`,
  },
  {
    name: 'vs wildcard with mesh in gateways',
    kind: VS,
    spec: `  hosts:\n  - "*"  #<\n  gateways: [mesh, gw]\n  http:\n  - route:\n    - destination: {host: reviews}\n`,
    path: 'spec.hosts[0]',
    message: 'mesh gateway',
  },
  {
    name: 'vs partial wildcard host',
    kind: VS,
    spec: `  hosts:\n  - "*foo.example.com"  #<\n  http:\n  - route:\n    - destination: {host: reviews}\n`,
    path: 'spec.hosts[0]',
    message: 'wildcard is only allowed as the whole leftmost label',
  },
  {
    name: 'vs wildcard in the middle',
    kind: VS,
    spec: `  hosts:\n  - "foo.*.com"  #<\n  http:\n  - route:\n    - destination: {host: reviews}\n`,
    path: 'spec.hosts[0]',
    message: 'leftmost label',
  },
  {
    name: 'vs host with invalid label',
    kind: VS,
    spec: `  hosts:\n  - "bad_host.com"  #<\n  http:\n  - route:\n    - destination: {host: reviews}\n`,
    path: 'spec.hosts[0]',
    message: 'label "bad_host" invalid',
  },
  {
    name: 'vs duplicate host',
    kind: VS,
    spec: `  hosts:\n  - reviews\n  - reviews  #<\n  http:\n  - route:\n    - destination: {host: reviews}\n`,
    path: 'spec.hosts[1]',
    message: 'duplicate host "reviews"',
  },
  {
    name: 'vs leftmost wildcard host is valid',
    kind: VS,
    spec: `  hosts: ["*.example.com"]\n  http:\n  - route:\n    - destination: {host: reviews}\n`,
  },
  {
    name: 'vs no hosts with gateway',
    kind: VS,
    line: 6,
    spec: `  gateways: [gw]\n  http:\n  - route:\n    - destination: {host: reviews}\n`,
    path: 'spec.hosts',
    message: 'must have at least one host',
  },
  {
    name: 'vs delegate without hosts is valid',
    kind: VS,
    spec: `  http:\n  - route:\n    - destination: {host: reviews}\n`,
  },
  {
    name: 'vs invalid gateway name',
    kind: VS,
    spec: `  hosts: [reviews]\n  gateways:\n  - "a/b/c"  #<\n  http:\n  - route:\n    - destination: {host: reviews}\n`,
    path: 'spec.gateways[0]',
    message: 'invalid gateway name',
  },
  {
    name: 'vs gateway namespace/name is valid',
    kind: VS,
    spec: `  hosts: [reviews]\n  gateways: [istio-system/ingress, mesh]\n  http:\n  - route:\n    - destination: {host: reviews}\n`,
  },
  {
    name: 'vs without any route kind',
    kind: VS,
    line: 6,
    spec: `  hosts: [reviews]\n`,
    path: 'spec',
    message: 'http, tcp or tls must be provided',
  },
  {
    name: 'vs exportTo bad namespace',
    kind: VS,
    spec: `  hosts: [reviews]\n  exportTo:\n  - "Bad_NS"  #<\n  http:\n  - route:\n    - destination: {host: reviews}\n`,
    path: 'spec.exportTo[0]',
    message: 'must be ".", "*" or a namespace name',
  },
  // VirtualService: http route actions
  {
    name: 'http route with nothing to do',
    kind: VS,
    spec: `  hosts: [reviews]\n  http:\n  - name: empty  #<\n`,
    path: 'spec.http[0]',
    message: 'must have a route, redirect, directResponse or delegate',
  },
  {
    name: 'http route and redirect',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    redirect:  #<\n      uri: /x\n')}`,
    path: 'spec.http[0].redirect',
    message: 'both route and redirect',
  },
  {
    name: 'http route and directResponse',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    directResponse:  #<\n      status: 503\n')}`,
    path: 'spec.http[0].directResponse',
    message: 'both route and directResponse',
  },
  {
    name: 'http redirect and rewrite',
    kind: VS,
    spec: `${route('redirect: {uri: /new}\n    rewrite:  #<\n      uri: /x\n')}`,
    path: 'spec.http[0].rewrite',
    message: 'both rewrite and redirect',
  },
  {
    name: 'redirect with no target',
    kind: VS,
    spec: `${route('redirect:  #<\n      redirectCode: 301\n')}`,
    path: 'spec.http[0].redirect',
    message: 'redirect must specify uri, authority, scheme',
  },
  {
    name: 'redirect code not 3xx',
    kind: VS,
    spec: `${route('redirect:\n      uri: /x\n      redirectCode: 200  #<\n')}`,
    path: 'spec.http[0].redirect.redirectCode',
    message: 'must be 3xx',
  },
  {
    name: 'directResponse status out of range',
    kind: VS,
    spec: `${route('directResponse:\n      status: 99  #<\n')}`,
    path: 'spec.http[0].directResponse.status',
    message: 'range 200..599',
  },
  {
    name: 'directResponse alone is valid',
    kind: VS,
    spec: `${route('directResponse:\n      status: 503\n      body: {string: down}\n')}`,
  },
  {
    name: 'delegate and route',
    kind: VS,
    spec: `  hosts: [reviews]\n  gateways: [gw]\n  http:\n  - delegate:  #<\n      name: reviews-delegate\n    route:\n    - destination: {host: reviews}\n`,
    path: 'spec.http[0].delegate',
    message: 'delegate together with route',
  },
  {
    name: 'delegate without name',
    kind: VS,
    spec: `  hosts: [reviews]\n  gateways: [gw]\n  http:\n  - delegate:  #<\n      namespace: default\n`,
    path: 'spec.http[0].delegate.name',
    message: 'delegate name is required',
  },
  {
    name: 'delegate inside a delegate',
    kind: VS,
    spec: `  http:\n  - delegate:  #<\n      name: deeper\n`,
    path: 'spec.http[0].delegate',
    message: 'cannot delegate again',
  },
  {
    name: 'rewrite uri and uriRegexRewrite',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    rewrite:  #<\n      uri: /a\n      uriRegexRewrite: {match: "^/b", rewrite: /c}\n')}`,
    path: 'spec.http[0].rewrite',
    message: 'may only contain one of uri or uriRegexRewrite',
  },
  // weights and destinations: weights are relative (Istio's validateHTTPRouteDestinations rejects
  // only a negative weight and, with several destinations, a total of 0)
  {
    name: 'weights 50/40 are valid: they need not total 100',
    kind: VS,
    spec: `  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v1}\n      weight: 50\n    - destination: {host: reviews, subset: v2}\n      weight: 40\n`,
  },
  {
    name: 'weights 1/3 are valid',
    kind: VS,
    spec: `  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v1}\n      weight: 1\n    - destination: {host: reviews, subset: v2}\n      weight: 3\n`,
  },
  {
    name: 'several destinations without weights',
    kind: VS,
    spec: `  hosts: [reviews]\n  http:\n  - route:  #<\n    - destination: {host: reviews, subset: v1}\n    - destination: {host: reviews, subset: v2}\n`,
    path: 'spec.http[0].route',
    message: 'total destination weight = 0',
  },
  {
    name: 'weights 0/0',
    kind: VS,
    spec: `  hosts: [reviews]\n  http:\n  - route:  #<\n    - destination: {host: reviews, subset: v1}\n      weight: 0\n    - destination: {host: reviews, subset: v2}\n      weight: 0\n`,
    path: 'spec.http[0].route',
    message: 'total destination weight = 0',
  },
  {
    name: 'single destination with weight 0 is valid: its weight is ignored',
    kind: VS,
    spec: `  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v1}\n      weight: 0\n`,
  },
  {
    name: 'single destination without weight is valid',
    kind: VS,
    spec: `  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v1}\n`,
  },
  {
    name: 'weights 80/20 are valid',
    kind: VS,
    spec: `  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v1}\n      weight: 80\n    - destination: {host: reviews, subset: v2}\n      weight: 20\n`,
  },
  {
    name: 'weights 150/50 are valid: a weight may exceed 100',
    kind: VS,
    spec: `  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v1}\n      weight: 150\n    - destination: {host: reviews, subset: v2}\n      weight: 50\n`,
  },
  {
    name: 'negative weight',
    kind: VS,
    spec: `  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews}\n      weight: -5  #<\n    - destination: {host: ratings}\n      weight: 105\n`,
    path: 'spec.http[0].route[0].weight',
    message: 'weight -5 < 0',
  },
  {
    name: 'negative weight of a single destination',
    kind: VS,
    spec: `  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews}\n      weight: -1  #<\n`,
    path: 'spec.http[0].route[0].weight',
    message: 'weight -1 < 0',
  },
  {
    name: 'negative and positive weights totalling 0',
    kind: VS,
    spec: `  hosts: [reviews]\n  http:\n  - route:  #<\n    - destination: {host: reviews, subset: v1}\n      weight: -5\n    - destination: {host: reviews, subset: v2}\n      weight: 5\n`,
    path: 'spec.http[0].route',
    message: 'total destination weight = 0',
  },
  {
    name: 'empty destination host',
    kind: VS,
    spec: `  hosts: [reviews]\n  http:\n  - route:\n    - destination:\n        host: ""  #<\n`,
    path: 'spec.http[0].route[0].destination.host',
    message: 'destination host must not be empty',
  },
  {
    name: 'destination host star',
    kind: VS,
    spec: `  hosts: [reviews]\n  http:\n  - route:\n    - destination:\n        host: "*"  #<\n`,
    path: 'spec.http[0].route[0].destination.host',
    message: 'is not a service',
  },
  {
    name: 'subset not a DNS label',
    kind: VS,
    spec: `  hosts: [reviews]\n  http:\n  - route:\n    - destination:\n        host: reviews\n        subset: V_1  #<\n`,
    path: 'spec.http[0].route[0].destination.subset',
    message: 'must be a DNS-1123 label',
  },
  {
    name: 'destination port out of range',
    kind: VS,
    spec: `  hosts: [reviews]\n  http:\n  - route:\n    - destination:\n        host: reviews\n        port:\n          number: 70000  #<\n`,
    path: 'spec.http[0].route[0].destination.port.number',
    message: 'range 1..65535',
  },
  {
    name: 'destination port zero',
    kind: VS,
    spec: `  hosts: [reviews]\n  http:\n  - route:\n    - destination:\n        host: reviews\n        port: {number: 0}  #<\n`,
    path: 'spec.http[0].route[0].destination.port.number',
    message: 'range 1..65535',
  },
  // matches
  {
    name: 'uri regex not RE2',
    kind: VS,
    spec: `${route('match:\n    - uri:\n        regex: "(?=lookahead)"  #<\n    route:\n    - destination: {host: reviews}\n')}`,
    path: 'spec.http[0].match[0].uri.regex',
    message: 'invalid RE2 regex',
  },
  {
    name: 'header regex with backreference',
    kind: VS,
    spec: `${route('match:\n    - headers:\n        end-user:\n          regex: "(a)\\\\1"  #<\n    route:\n    - destination: {host: reviews}\n')}`,
    path: 'spec.http[0].match[0].headers.end-user.regex',
    message: 'invalid RE2 regex',
  },
  {
    name: 'query param empty regex',
    kind: VS,
    spec: `${route('match:\n    - queryParams:\n        q:\n          regex: ""  #<\n    route:\n    - destination: {host: reviews}\n')}`,
    path: 'spec.http[0].match[0].queryParams.q.regex',
    message: 'regex must not be empty',
  },
  {
    name: 'upper-case header name',
    kind: VS,
    spec: `${route('match:\n    - headers:\n        End-User:  #<\n          exact: jason\n    route:\n    - destination: {host: reviews}\n')}`,
    path: 'spec.http[0].match[0].headers.End-User',
    message: 'must be lower-case',
  },
  {
    name: 'header name with space',
    kind: VS,
    spec: `${route('match:\n    - headers:\n        "end user":  #<\n          exact: jason\n    route:\n    - destination: {host: reviews}\n')}`,
    path: 'spec.http[0].match[0].headers.end user',
    message: 'not a valid HTTP header name',
  },
  {
    name: 'valid RE2 regex and header presence',
    kind: VS,
    spec: `${route('match:\n    - uri:\n        regex: "^/api/v[0-9]+/.*"\n      headers:\n        x-canary: {}\n    route:\n    - destination: {host: reviews}\n')}`,
  },
  {
    name: 'match port out of range',
    kind: VS,
    spec: `${route('match:\n    - port: 65536  #<\n    route:\n    - destination: {host: reviews}\n')}`,
    path: 'spec.http[0].match[0].port',
    message: 'range 1..65535',
  },
  {
    name: 'withoutHeaders bad name',
    kind: VS,
    spec: `${route('match:\n    - withoutHeaders:\n        "X-Debug":  #<\n          exact: "1"\n    route:\n    - destination: {host: reviews}\n')}`,
    path: 'spec.http[0].match[0].withoutHeaders.X-Debug',
    message: 'lower-case',
  },
  // retries, faults, mirrors, cors, headers
  {
    name: 'negative retry attempts',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    retries:\n      attempts: -1  #<\n')}`,
    path: 'spec.http[0].retries.attempts',
    message: 'must not be negative',
  },
  {
    name: 'unknown retryOn',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    retries:\n      attempts: 2\n      retryOn: 5xx,bogus  #<\n')}`,
    path: 'spec.http[0].retries.retryOn',
    message: '"bogus" is not a valid retryOn policy',
  },
  {
    name: 'retryOn list with status code is valid',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    retries:\n      attempts: 3\n      perTryTimeout: 2s\n      retryOn: gateway-error,connect-failure,refused-stream,503\n')}`,
  },
  {
    name: 'fault without abort or delay',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    fault: {}  #<\n')}`,
    path: 'spec.http[0].fault',
    message: 'must specify an abort or a delay',
  },
  {
    name: 'fault delay without fixedDelay',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    fault:\n      delay:  #<\n        percentage: {value: 10}\n')}`,
    path: 'spec.http[0].fault.delay',
    message: 'must specify fixedDelay',
  },
  {
    name: 'fault abort status out of range',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    fault:\n      abort:\n        httpStatus: 600  #<\n')}`,
    path: 'spec.http[0].fault.abort.httpStatus',
    message: 'range 200..599',
  },
  {
    name: 'fault abort without status',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    fault:\n      abort:  #<\n        percentage: {value: 10}\n')}`,
    path: 'spec.http[0].fault.abort',
    message: 'must specify httpStatus or grpcStatus',
  },
  {
    name: 'fault percentage above 100',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    fault:\n      delay:\n        fixedDelay: 5s\n        percentage:\n          value: 101  #<\n')}`,
    path: 'spec.http[0].fault.delay.percentage.value',
    message: 'range 0..100',
  },
  {
    name: 'fault grpcStatus unknown',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    fault:\n      abort:\n        grpcStatus: NOPE  #<\n')}`,
    path: 'spec.http[0].fault.abort.grpcStatus',
    message: 'not a gRPC status code name',
  },
  {
    name: 'mirror percentage above 100',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    mirror: {host: reviews-shadow}\n    mirrorPercentage:\n      value: 150  #<\n')}`,
    path: 'spec.http[0].mirrorPercentage.value',
    message: 'range 0..100',
  },
  {
    name: 'mirror and mirrors',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    mirror: {host: a}\n    mirrors:  #<\n    - destination: {host: b}\n')}`,
    path: 'spec.http[0].mirrors',
    message: 'only one of mirror or mirrors',
  },
  {
    name: 'mirrors entry percentage',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    mirrors:\n    - destination: {host: b}\n      percentage:\n        value: -1  #<\n')}`,
    path: 'spec.http[0].mirrors[0].percentage.value',
    message: 'range 0..100',
  },
  {
    name: 'cors bad method',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    corsPolicy:\n      allowMethods:\n      - FETCH  #<\n')}`,
    path: 'spec.http[0].corsPolicy.allowMethods[0]',
    message: 'not a supported HTTP method',
  },
  {
    name: 'cors origin regex invalid',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    corsPolicy:\n      allowOrigins:\n      - regex: "(unclosed"  #<\n')}`,
    path: 'spec.http[0].corsPolicy.allowOrigins[0].regex',
    message: 'invalid RE2 regex',
  },
  {
    name: 'remove pseudo-header',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    headers:\n      request:\n        remove:\n        - ":path"  #<\n')}`,
    path: 'spec.http[0].headers.request.remove[0]',
    message: 'cannot be manipulated',
  },
  {
    name: 'request set of :authority and Host are valid (an authority rewrite, as Istio)',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    headers:\n      request:\n        set:\n          ":authority": a.example\n        add:\n          Host: b.example\n')}`,
  },
  {
    name: 'response set of Host',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    headers:\n      response:\n        set:\n          host: x  #<\n')}`,
    path: 'spec.http[0].headers.response.set.host',
    message: 'cannot set Host header',
  },
  {
    name: 'request remove of Host',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    headers:\n      request:\n        remove:\n        - Host  #<\n')}`,
    path: 'spec.http[0].headers.request.remove[0]',
    message: 'cannot set Host header',
  },
  {
    name: 'request set of another pseudo-header',
    kind: VS,
    spec: `${route('route:\n    - destination: {host: reviews}\n    headers:\n      request:\n        set:\n          ":path": /x  #<\n')}`,
    path: 'spec.http[0].headers.request.set.:path',
    message: 'cannot be manipulated',
  },
  // tcp and tls routes
  {
    name: 'tcp route weights 30/30 are valid',
    kind: VS,
    spec: `  hosts: [mongo]\n  tcp:\n  - route:\n    - destination: {host: a}\n      weight: 30\n    - destination: {host: b}\n      weight: 30\n`,
  },
  {
    name: 'tcp route weights 0/0',
    kind: VS,
    spec: `  hosts: [mongo]\n  tcp:\n  - route:  #<\n    - destination: {host: a}\n      weight: 0\n    - destination: {host: b}\n      weight: 0\n`,
    path: 'spec.tcp[0].route',
    message: 'total destination weight = 0',
  },
  {
    name: 'tcp route negative weight',
    kind: VS,
    spec: `  hosts: [mongo]\n  tcp:\n  - route:\n    - destination: {host: a}\n      weight: 10\n    - destination: {host: b}\n      weight: -5  #<\n`,
    path: 'spec.tcp[0].route[1].weight',
    message: 'weight -5 < 0',
  },
  {
    name: 'tls route without weights',
    kind: VS,
    spec: `  hosts: [a.com]\n  gateways: [gw]\n  tls:\n  - match:\n    - sniHosts: [a.com]\n    route:  #<\n    - destination: {host: a}\n    - destination: {host: b}\n`,
    path: 'spec.tls[0].route',
    message: 'total destination weight = 0',
  },
  {
    name: 'tcp match port',
    kind: VS,
    spec: `  hosts: [mongo]\n  tcp:\n  - match:\n    - port: 0  #<\n    route:\n    - destination: {host: a}\n`,
    path: 'spec.tcp[0].match[0].port',
    message: 'range 1..65535',
  },
  {
    name: 'tcp route with no destination',
    kind: VS,
    spec: `  hosts: [mongo]\n  tcp:\n  - match:\n    - port: 27017\n    route: []  #<\n`,
    path: 'spec.tcp[0].route',
    message: 'TCP route must have at least one destination',
  },
  {
    name: 'tcp destination subnet invalid',
    kind: VS,
    spec: `  hosts: [mongo]\n  tcp:\n  - match:\n    - destinationSubnets:\n      - 10.0.0.0/40  #<\n    route:\n    - destination: {host: a}\n`,
    path: 'spec.tcp[0].match[0].destinationSubnets[0]',
    message: 'not an IP address or CIDR',
  },
  {
    name: 'tls sniHost outside hosts',
    kind: VS,
    spec: `  hosts: ["*.bookinfo.com"]\n  gateways: [gw]\n  tls:\n  - match:\n    - sniHosts:\n      - login.example.com  #<\n    route:\n    - destination: {host: login}\n`,
    path: 'spec.tls[0].match[0].sniHosts[0]',
    message: 'not a match for any of the virtual service',
  },
  {
    name: 'tls sniHost within wildcard host is valid',
    kind: VS,
    spec: `  hosts: ["*.bookinfo.com"]\n  gateways: [gw]\n  tls:\n  - match:\n    - port: 443\n      sniHosts: [login.bookinfo.com]\n    route:\n    - destination: {host: login}\n`,
  },
  {
    name: 'tls route with empty match',
    kind: VS,
    spec: `  hosts: [a.com]\n  tls:\n  - match: []  #<\n    route:\n    - destination: {host: a}\n`,
    path: 'spec.tls[0].match',
    message: 'at least one match',
  },
  // DestinationRule
  {
    name: 'dr empty host',
    kind: DR,
    spec: `  host: ""  #<\n`,
    path: 'spec.host',
    message: 'host must not be empty',
  },
  {
    name: 'dr duplicate subset names',
    kind: DR,
    spec: `  host: reviews\n  subsets:\n  - name: v1\n    labels: {version: v1}\n  - name: v1  #<\n    labels: {version: v2}\n`,
    path: 'spec.subsets[1].name',
    message: 'duplicate subset name "v1"',
  },
  {
    name: 'dr subset name invalid',
    kind: DR,
    spec: `  host: reviews\n  subsets:\n  - name: Version_1  #<\n    labels: {version: v1}\n`,
    path: 'spec.subsets[0].name',
    message: 'DNS-1123 label',
  },
  {
    name: 'dr subset label value invalid',
    kind: DR,
    spec: `  host: reviews\n  subsets:\n  - name: v1\n    labels:\n      version: "v 1"  #<\n`,
    path: 'spec.subsets[0].labels.version',
    message: 'invalid label value',
  },
  {
    name: 'dr consistentHash without key',
    kind: DR,
    spec: `  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      consistentHash:  #<\n        minimumRingSize: 1024\n`,
    path: 'spec.trafficPolicy.loadBalancer.consistentHash',
    message: 'must specify one hash key',
  },
  {
    name: 'dr consistentHash two keys',
    kind: DR,
    spec: `  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      consistentHash:  #<\n        httpHeaderName: x-user\n        useSourceIp: true\n`,
    path: 'spec.trafficPolicy.loadBalancer.consistentHash',
    message: 'only one of httpHeaderName, useSourceIp may be set',
  },
  {
    name: 'dr negative pending requests',
    kind: DR,
    spec: `  host: reviews\n  trafficPolicy:\n    connectionPool:\n      http:\n        http1MaxPendingRequests: -1  #<\n`,
    path: 'spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests',
    message: 'must not be negative',
  },
  {
    name: 'dr negative max connections',
    kind: DR,
    spec: `  host: reviews\n  trafficPolicy:\n    connectionPool:\n      tcp:\n        maxConnections: -3  #<\n`,
    path: 'spec.trafficPolicy.connectionPool.tcp.maxConnections',
    message: 'must not be negative',
  },
  {
    name: 'dr maxEjectionPercent above 100',
    kind: DR,
    spec: `  host: reviews\n  trafficPolicy:\n    outlierDetection:\n      consecutive5xxErrors: 1\n      maxEjectionPercent: 120  #<\n`,
    path: 'spec.trafficPolicy.outlierDetection.maxEjectionPercent',
    message: 'range 0..100',
  },
  {
    name: 'dr negative consecutiveErrors',
    kind: DR,
    spec: `  host: reviews\n  trafficPolicy:\n    outlierDetection:\n      consecutiveErrors: -1  #<\n`,
    path: 'spec.trafficPolicy.outlierDetection.consecutiveErrors',
    message: 'must not be negative',
  },
  {
    name: 'dr MUTUAL without certs',
    kind: DR,
    spec: `  host: reviews\n  trafficPolicy:\n    tls:  #<\n      mode: MUTUAL\n`,
    path: 'spec.trafficPolicy.tls.clientCertificate',
    message: 'client certificate required',
  },
  {
    name: 'dr MUTUAL with credentialName is valid',
    kind: DR,
    spec: `  host: reviews\n  trafficPolicy:\n    tls:\n      mode: MUTUAL\n      credentialName: client-cert\n`,
  },
  {
    name: 'dr ISTIO_MUTUAL with certs',
    kind: DR,
    spec: `  host: reviews\n  trafficPolicy:\n    tls:\n      mode: ISTIO_MUTUAL\n      clientCertificate: /etc/c.pem  #<\n`,
    path: 'spec.trafficPolicy.tls.clientCertificate',
    message: 'cannot be set with mode ISTIO_MUTUAL',
  },
  {
    name: 'dr port level setting without port',
    kind: DR,
    spec: `  host: reviews\n  trafficPolicy:\n    portLevelSettings:\n    - loadBalancer:  #<\n        simple: RANDOM\n`,
    path: 'spec.trafficPolicy.portLevelSettings[0].port',
    message: 'must specify a port number',
  },
  {
    name: 'dr empty traffic policy',
    kind: DR,
    spec: `  host: reviews\n  subsets:\n  - name: v1\n    trafficPolicy: {}  #<\n`,
    path: 'spec.subsets[0].trafficPolicy',
    message: 'at least one field',
  },
  {
    name: 'dr locality weights',
    kind: DR,
    spec: `  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      localityLbSetting:\n        distribute:\n        - from: us-west/zone1/*\n          to:  #<\n            "us-west/zone1/*": 70\n            "us-west/zone2/*": 20\n`,
    path: 'spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to',
    message: 'must total 100, got 90',
  },
  // Gateway
  {
    name: 'gw no servers',
    kind: GW,
    spec: `  selector: {istio: ingressgateway}\n  servers: []  #<\n`,
    path: 'spec.servers',
    message: 'at least one server',
  },
  {
    name: 'gw HTTPS without tls',
    kind: GW,
    spec: `  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}  #<\n    hosts: ["*"]\n`,
    path: 'spec.servers[0].tls',
    message: 'must have tls settings',
  },
  {
    name: 'gw SIMPLE without credential',
    kind: GW,
    spec: `  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["*"]\n    tls:  #<\n      mode: SIMPLE\n`,
    path: 'spec.servers[0].tls.serverCertificate',
    message: 'SIMPLE TLS requires a server certificate',
  },
  {
    name: 'gw MUTUAL files without CA',
    kind: GW,
    spec: `  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["*"]\n    tls:  #<\n      mode: MUTUAL\n      serverCertificate: /c.pem\n      privateKey: /k.pem\n`,
    path: 'spec.servers[0].tls.caCertificates',
    message: 'requires a client CA bundle',
  },
  {
    name: 'gw AUTO_PASSTHROUGH on HTTPS',
    kind: GW,
    spec: `  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["*"]\n    tls:\n      mode: AUTO_PASSTHROUGH  #<\n`,
    path: 'spec.servers[0].tls.mode',
    message: 'only valid with protocol TLS',
  },
  {
    name: 'gw tls on plain HTTP',
    kind: GW,
    spec: `  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*"]\n    tls:  #<\n      mode: SIMPLE\n      credentialName: x\n`,
    path: 'spec.servers[0].tls',
    message: 'cannot have TLS settings for plain-text HTTP',
  },
  {
    name: 'gw httpsRedirect on HTTP is valid',
    kind: GW,
    spec: `  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*"]\n    tls: {httpsRedirect: true}\n`,
  },
  {
    name: 'gw duplicate port names',
    kind: GW,
    spec: `  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*"]\n  - port:\n      number: 8080\n      name: http  #<\n      protocol: HTTP\n    hosts: ["*"]\n`,
    path: 'spec.servers[1].port.name',
    message: 'duplicate server port name',
  },
  {
    name: 'gw port number out of range',
    kind: GW,
    spec: `  servers:\n  - port:\n      number: 99999  #<\n      name: http\n      protocol: HTTP\n    hosts: ["*"]\n`,
    path: 'spec.servers[0].port.number',
    message: 'range 1..65535',
  },
  {
    name: 'gw bad protocol',
    kind: GW,
    spec: `  servers:\n  - port:\n      number: 80\n      name: http\n      protocol: HTTP3  #<\n    hosts: ["*"]\n`,
    path: 'spec.servers[0].port.protocol',
    message: 'unrecognized protocol "HTTP3"',
  },
  {
    name: 'gw host with too many slashes',
    kind: GW,
    spec: `  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts:\n    - "a/b/c.com"  #<\n`,
    path: 'spec.servers[0].hosts[0]',
    message: 'namespace/dnsName',
  },
  {
    name: 'gw host with bad namespace',
    kind: GW,
    spec: `  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts:\n    - "Bad_NS/foo.com"  #<\n`,
    path: 'spec.servers[0].hosts[0]',
    message: 'namespace "Bad_NS"',
  },
  // ServiceEntry
  {
    name: 'se DNS wildcard host without endpoints',
    kind: SE,
    spec: `  hosts:\n  - "*.google.com"  #<\n  ports: [{number: 443, name: https, protocol: HTTPS}]\n  resolution: DNS\n`,
    path: 'spec.hosts[0]',
    message: 'must be a fully qualified name',
  },
  {
    name: 'se wildcard host with NONE is valid',
    kind: SE,
    spec: `  hosts: ["*.google.com"]\n  ports: [{number: 443, name: https, protocol: HTTPS}]\n  resolution: NONE\n  location: MESH_EXTERNAL\n`,
  },
  {
    name: 'se STATIC without endpoints',
    kind: SE,
    spec: `  hosts: [db.internal]\n  ports: [{number: 5432, name: tcp, protocol: TCP}]\n  resolution: STATIC  #<\n`,
    path: 'spec.resolution',
    message: 'STATIC needs endpoints or a workloadSelector',
  },
  {
    name: 'se STATIC endpoint not IP',
    kind: SE,
    spec: `  hosts: [db.internal]\n  ports: [{number: 5432, name: tcp, protocol: TCP}]\n  resolution: STATIC\n  endpoints:\n  - address: db.example.com  #<\n`,
    path: 'spec.endpoints[0].address',
    message: 'must be an IP address with resolution STATIC',
  },
  {
    name: 'se duplicate port names',
    kind: SE,
    spec: `  hosts: [a.example.com]\n  resolution: DNS\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  - number: 8080  #<\n    name: http\n    protocol: HTTP\n`,
    path: 'spec.ports[1]',
    message: 'duplicate entry with key name="http"',
  },
  {
    name: 'se bad address',
    kind: SE,
    spec: `  hosts: [a.example.com]\n  addresses:\n  - 300.1.1.1  #<\n  ports: [{number: 80, name: http, protocol: HTTP}]\n`,
    path: 'spec.addresses[0]',
    message: 'not an IP address or CIDR',
  },
  {
    name: 'se unknown protocol',
    kind: SE,
    spec: `  hosts: [a.example.com]\n  ports:\n  - number: 80\n    name: http\n    protocol: SPDY  #<\n`,
    path: 'spec.ports[0].protocol',
    message: 'unrecognized protocol',
  },
  {
    name: 'se endpoint port name unknown',
    kind: SE,
    spec: `  hosts: [a.example.com]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  resolution: STATIC\n  endpoints:\n  - address: 10.0.0.1\n    ports:\n      grpc: 9090  #<\n`,
    path: 'spec.endpoints[0].ports.grpc',
    message: 'not a port name of this service entry',
  },
  // WorkloadEntry / WorkloadGroup
  {
    name: 'we bad address',
    kind: 'WorkloadEntry',
    spec: `  address: "not a host!"  #<\n`,
    path: 'spec.address',
    message: 'not an IP address or host name',
  },
  {
    name: 'we bad label key',
    kind: 'WorkloadEntry',
    spec: `  address: 10.0.0.5\n  labels:\n    "-app": x  #<\n`,
    path: 'spec.labels.-app',
    message: 'invalid label key',
  },
  {
    name: 'we hostname address is valid',
    kind: 'WorkloadEntry',
    spec: `  address: vm1.example.com\n  labels: {app: ratings}\n  serviceAccount: ratings\n`,
  },
  {
    name: 'wg template with address',
    kind: 'WorkloadGroup',
    spec: `  metadata:\n    labels: {app: ratings}\n  template:\n    address: 10.0.0.1  #<\n    serviceAccount: ratings\n`,
    path: 'spec.template.address',
    message: 'must not be set in a WorkloadGroup template',
  },
  // Sidecar
  {
    name: 'sidecar egress host without namespace',
    kind: 'Sidecar',
    spec: `  egress:\n  - hosts:\n    - reviews.default.svc.cluster.local  #<\n`,
    path: 'spec.egress[0].hosts[0]',
    message: 'namespace/dnsName',
  },
  {
    name: 'sidecar egress valid',
    kind: 'Sidecar',
    spec: `  egress:\n  - hosts: ["./*", "istio-system/*"]\n`,
  },
  {
    name: 'sidecar bad defaultEndpoint',
    kind: 'Sidecar',
    spec: `  ingress:\n  - port: {number: 9080, protocol: HTTP, name: http}\n    defaultEndpoint: 10.1.1.1:8080  #<\n`,
    path: 'spec.ingress[0].defaultEndpoint',
    message: 'invalid defaultEndpoint',
  },
  {
    name: 'sidecar portless egress not last',
    kind: 'Sidecar',
    spec: `  egress:\n  - hosts: ["./*"]  #<\n  - port: {number: 3306, protocol: MYSQL, name: mysql}\n    hosts: ["*/mysql.foo.com"]\n`,
    path: 'spec.egress[0]',
    message: 'must be the last one',
  },
  {
    name: 'sidecar duplicate ingress ports',
    kind: 'Sidecar',
    spec: `  ingress:\n  - port: {number: 9080, protocol: HTTP, name: a}\n    defaultEndpoint: 127.0.0.1:8080\n  - port:\n      number: 9080  #<\n      protocol: HTTP\n      name: b\n    defaultEndpoint: 127.0.0.1:8081\n`,
    path: 'spec.ingress[1].port.number',
    message: 'duplicate ingress listener port',
  },
  {
    name: 'sidecar empty',
    kind: 'Sidecar',
    line: 6,
    spec: `  workloadSelector:\n    labels: {app: x}\n`,
    path: 'spec',
    message: 'empty configuration',
  },
  // Security
  {
    name: 'authz CUSTOM without provider',
    kind: AP,
    spec: `  action: CUSTOM  #<\n  rules:\n  - to:\n    - operation: {paths: ["/admin"]}\n`,
    path: 'spec.action',
    message: 'action CUSTOM needs a provider',
  },
  {
    name: 'authz provider with ALLOW',
    kind: AP,
    spec: `  action: ALLOW\n  provider:  #<\n    name: ext-authz\n  rules:\n  - {}\n`,
    path: 'spec.provider',
    message: 'only be used with action CUSTOM',
  },
  {
    name: 'authz port not numeric',
    kind: AP,
    spec: `  rules:\n  - to:\n    - operation:\n        ports:\n        - http  #<\n`,
    path: 'spec.rules[0].to[0].operation.ports[0]',
    message: 'must be a number',
  },
  {
    name: 'authz wildcard in middle of principal',
    kind: AP,
    spec: `  rules:\n  - from:\n    - source:\n        principals:\n        - cluster.local/*/sa/x  #<\n`,
    path: 'spec.rules[0].from[0].source.principals[0]',
    message: 'only allowed as a prefix or a suffix',
  },
  {
    name: 'authz empty from',
    kind: AP,
    spec: `  rules:\n  - from: []  #<\n`,
    path: 'spec.rules[0].from',
    message: '`from` must not be empty',
  },
  {
    name: 'authz empty source',
    kind: AP,
    spec: `  rules:\n  - from:\n    - source: {}  #<\n`,
    path: 'spec.rules[0].from[0].source',
    message: '`from.source` must not be empty',
  },
  {
    name: 'authz unknown condition key',
    kind: AP,
    spec: `  rules:\n  - when:\n    - key: request.body  #<\n      values: ["x"]\n`,
    path: 'spec.rules[0].when[0].key',
    message: 'unknown attribute key',
  },
  {
    name: 'authz condition without values',
    kind: AP,
    spec: `  rules:\n  - when:\n    - key: request.headers[x-token]  #<\n`,
    path: 'spec.rules[0].when[0]',
    message: 'must set values or notValues',
  },
  {
    name: 'authz bad ipBlock',
    kind: AP,
    spec: `  action: DENY\n  rules:\n  - from:\n    - source:\n        ipBlocks:\n        - 1.2.3.4/33  #<\n`,
    path: 'spec.rules[0].from[0].source.ipBlocks[0]',
    message: 'not an IP address or CIDR',
  },
  {
    name: 'authz typical policy is valid',
    kind: AP,
    spec: `  selector:\n    matchLabels: {app: productpage}\n  action: ALLOW\n  rules:\n  - from:\n    - source:\n        principals: ["cluster.local/ns/default/sa/bookinfo-gateway"]\n        namespaces: ["*"]\n    to:\n    - operation:\n        methods: ["GET"]\n        ports: ["9080"]\n        paths: ["/api/*", "/static/{**}"]\n    when:\n    - key: request.auth.claims[groups]\n      values: ["admin"]\n`,
  },
  {
    name: 'peerauth non-numeric port key (CEL)',
    kind: 'PeerAuthentication',
    spec: `  selector:\n    matchLabels: {app: x}\n  portLevelMtls:  #<\n    http:\n      mode: DISABLE\n`,
    path: 'spec.portLevelMtls',
    message: 'port must be between 1-65535',
  },
  {
    name: 'peerauth selector label key invalid',
    kind: 'PeerAuthentication',
    spec: `  selector:\n    matchLabels:\n      "bad key": x  #<\n  mtls: {mode: STRICT}\n`,
    path: 'spec.selector.matchLabels.bad key',
    message: 'invalid label key',
  },
  {
    name: 'requestauth issuer missing',
    kind: 'RequestAuthentication',
    spec: `  jwtRules:\n  - jwksUri: https://example.com/jwks.json  #<\n`,
    path: 'spec.jwtRules[0].issuer',
    message: 'issuer must be set',
  },
  {
    name: 'requestauth jwks not JSON',
    kind: 'RequestAuthentication',
    spec: `  jwtRules:\n  - issuer: me\n    jwks: "not json"  #<\n`,
    path: 'spec.jwtRules[0].jwks',
    message: 'jwks is not valid JSON',
  },
  // Telemetry
  {
    name: 'telemetry sampling above 100',
    kind: 'Telemetry',
    spec: `  tracing:\n  - randomSamplingPercentage: 120  #<\n`,
    path: 'spec.tracing[0].randomSamplingPercentage',
    message: 'less than or equal to 100',
  },
  {
    name: 'telemetry multiple tracing',
    kind: 'Telemetry',
    spec: `  tracing:  #<\n  - randomSamplingPercentage: 10\n  - randomSamplingPercentage: 20\n`,
    path: 'spec.tracing',
    message: 'multiple tracing configurations',
  },
  {
    name: 'telemetry multiple providers',
    kind: 'Telemetry',
    spec: `  tracing:\n  - providers:  #<\n    - name: zipkin\n    - name: otel\n`,
    path: 'spec.tracing[0].providers',
    message: 'multiple tracing providers',
  },
];

function markedLine(text: string): number {
  const lines = text.split('\n');
  const index = lines.findIndex((l) => l.includes('#<'));
  return index + 1;
}

for (const c of CASES) {
  test(`${c.kind}: ${c.name}`, () => {
    const text = documentOf(c);
    const parsed = parseYaml(text, 'case.yaml');
    assert.deepEqual(parsed.issues, [], 'the case must be valid YAML');
    assert.equal(parsed.docs.length, 1);
    const issues = validateDocuments(parsed.docs);
    const printed = issues.map(formatIssue).join('\n');
    if (c.path === undefined) {
      assert.equal(printed, '', 'a valid near miss must produce no issue');
      return;
    }
    const line = c.line ?? markedLine(text);
    assert.ok(line > 0, 'an invalid case marks its line with #< or names it');
    const found = issues.find((i) => i.path === c.path && i.message.includes(c.message ?? ''));
    assert.ok(found, `expected ${c.path}: …${c.message}…, got:\n${printed}`);
    assert.equal(found.line, line, `line of ${c.path}`);
    assert.equal(found.kind, c.kind);
    assert.equal(found.name, 't');
    assert.equal(found.namespace, 'default');
    assert.equal(found.file, 'case.yaml');
    assert.equal(found.severity, 'error');
  });
}

test('the table covers every Istio kind and has at least 70 invalid cases', () => {
  const invalid = CASES.filter((c) => c.path !== undefined);
  assert.ok(invalid.length >= 70, `${invalid.length} invalid cases`);
  for (const kind of Object.keys(GROUPS)) {
    assert.ok(
      invalid.some((c) => c.kind === kind),
      `no invalid case for ${kind}`,
    );
  }
});

test("Istio's Bookinfo networking samples produce no issues", () => {
  const dir = resolve(
    import.meta.dirname,
    '..',
    '..',
    'shared',
    'istio',
    'samples',
    'bookinfo',
    'networking',
  );
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length > 10);
  for (const file of files) {
    const parsed = parseYaml(readFileSync(join(dir, file), 'utf8'), file);
    assert.deepEqual(parsed.issues, [], file);
    assert.ok(parsed.docs.length > 0, file);
    assert.equal(validateDocuments(parsed.docs).map(formatIssue).join('\n'), '', file);
  }
});

test('a schema error does not hide the semantic errors of the same document', () => {
  const text = [
    'apiVersion: networking.istio.io/v1',
    'kind: VirtualService',
    'metadata: {name: reviews}',
    'spec:',
    '  hosts: [reviews]',
    '  http:',
    '  - route:',
    '    - destination: {host: reviews, subset: v1}',
    '      weight: 0',
    '    - destination: {host: reviews, subset: v2}',
    '      weight: 0',
    '    timeout: 5x',
  ].join('\n');
  const { docs } = parseYaml(text, 'both.yaml');
  const issues = validateDocuments(docs).filter((i) => i.severity === 'error');
  assert.deepEqual(
    issues.map((i) => `${i.line} ${i.path}`),
    ['12 spec.http[0].timeout', '7 spec.http[0].route'],
  );
  assert.match(issues[0]!.hint ?? '', /500ms/);
});

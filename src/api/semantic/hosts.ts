// Host names as Istio accepts them: DNS names made of RFC 1123 labels, a wildcard only as the
// whole leftmost label ('*.example.com'), '*' alone where the kind allows it, and the
// 'namespace/dnsName' form Gateways and Sidecars use to scope hosts. Each check returns the
// problem as a message, or undefined when the value is fine.
import { isIP } from 'node:net';

const DNS1123_LABEL = /^[A-Za-z0-9](?:[-A-Za-z0-9]*[A-Za-z0-9])?$/;
const DNS1123_LABEL_LOWER = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const MAX_DOMAIN = 255;
const MAX_LABEL = 63;

/** A DNS-1123 label (lower-case), as Kubernetes requires for namespaces, subset and port names. */
export function isDnsLabel(value: string): boolean {
  return value.length > 0 && value.length <= MAX_LABEL && DNS1123_LABEL_LOWER.test(value);
}

/** A DNS-1123 subdomain (lower-case labels joined by dots), as for Kubernetes object names. */
export function isDnsSubdomain(value: string): boolean {
  return value.length > 0 && value.length <= 253 && value.split('.').every(isDnsLabel);
}

function checkLabels(host: string, labels: string[]): string | undefined {
  for (const label of labels) {
    if (label.length > MAX_LABEL)
      return `domain name "${host}" invalid (label "${label}" longer than 63 characters)`;
    if (!DNS1123_LABEL.test(label)) return `domain name "${host}" invalid (label "${label}" invalid)`;
  }
  return undefined;
}

/** A DNS name without any wildcard ('reviews', 'reviews.default.svc.cluster.local'). */
export function checkFqdn(host: string): string | undefined {
  if (host === '') return 'empty domain name not allowed';
  if (host.length > MAX_DOMAIN) return `domain name "${host}" too long (max ${MAX_DOMAIN})`;
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.includes('*')) return `domain name "${host}" must not contain a wildcard`;
  return checkLabels(host, name.split('.'));
}

/** A DNS name whose leftmost label may be '*' ('*.example.com'), or '*' alone. */
export function checkWildcardDomain(host: string): string | undefined {
  if (host === '') return 'empty domain name not allowed';
  if (host.length > MAX_DOMAIN) return `domain name "${host}" too long (max ${MAX_DOMAIN})`;
  if (host === '*') return undefined;
  let rest = host;
  if (host.startsWith('*.')) rest = host.slice(2);
  else if (host.includes('*')) {
    return `domain name "${host}" invalid (a wildcard is only allowed as the whole leftmost label, as in "*.example.com")`;
  }
  if (rest.endsWith('.')) rest = rest.slice(0, -1);
  return checkLabels(host, rest.split('.'));
}

/** 'namespace/dnsName' (or a bare dnsName when the namespace may be implied). */
export function checkNamespacedHost(value: string, opts: { requireNamespace: boolean }): string | undefined {
  const parts = value.split('/');
  if (parts.length > 2 || (opts.requireNamespace && parts.length !== 2)) {
    return `host "${value}" must be of the form namespace/dnsName`;
  }
  const dnsName = parts.length === 2 ? parts[1]! : parts[0]!;
  if (parts.length === 2) {
    const ns = parts[0]!;
    if (ns !== '*' && ns !== '.' && ns !== '~' && !isDnsLabel(ns)) {
      return `host "${value}": namespace "${ns}" must be "*", ".", "~" or a valid namespace name`;
    }
  }
  return checkWildcardDomain(dnsName);
}

export function isIpAddress(value: string): boolean {
  return isIP(value) !== 0;
}

/** An IP address or a CIDR block ('10.0.0.0/8', '2001:db8::/32'). */
export function isIpOrCidr(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return isIP(value) !== 0;
  const ip = value.slice(0, slash);
  const bitsText = value.slice(slash + 1);
  const family = isIP(ip);
  if (family === 0 || !/^\d{1,3}$/.test(bitsText)) return false;
  return Number(bitsText) <= (family === 4 ? 32 : 128);
}

// How Istio decides a port's protocol: the Kubernetes appProtocol field first, then the port name's
// prefix before the first '-' (http, http-web, grpc-api, tcp-echo…). Unnamed or unrecognised ports
// are left to protocol sniffing in Istio; Weft treats them as TCP, which is what sniffing falls back
// to for non-HTTP traffic and is always safe to proxy.
import type { Protocol } from './model.ts';

const BY_PREFIX: Record<string, Protocol> = {
  http: 'HTTP',
  http2: 'HTTP2',
  'http-proxy': 'HTTP_PROXY',
  grpc: 'GRPC',
  'grpc-web': 'GRPC-WEB',
  https: 'HTTPS',
  tls: 'TLS',
  tcp: 'TCP',
  mongo: 'MONGO',
  redis: 'REDIS',
  mysql: 'MYSQL',
  udp: 'UDP',
};

const BY_APP_PROTOCOL: Record<string, Protocol> = {
  ...BY_PREFIX,
  h2c: 'HTTP2',
  'kubernetes.io/h2c': 'HTTP2',
  'kubernetes.io/ws': 'HTTP',
  'kubernetes.io/wss': 'HTTPS',
};

export function protocolOf(name: string | undefined, appProtocol?: string, explicit?: string): Protocol {
  if (explicit) return normalise(explicit) ?? 'UNSUPPORTED';
  if (appProtocol) {
    const p = BY_APP_PROTOCOL[appProtocol.toLowerCase()];
    if (p) return p;
  }
  if (!name) return 'TCP';
  const lower = name.toLowerCase();
  if (BY_PREFIX[lower]) return BY_PREFIX[lower];
  const dash = lower.indexOf('-');
  if (dash > 0) {
    // 'grpc-web' and 'http-proxy' are names of their own before the split-prefix rule applies.
    const two = lower.split('-').slice(0, 2).join('-');
    if (BY_PREFIX[two]) return BY_PREFIX[two];
    const p = BY_PREFIX[lower.slice(0, dash)];
    if (p) return p;
  }
  return 'TCP';
}

function normalise(p: string): Protocol | undefined {
  const upper = p.toUpperCase();
  const all: Protocol[] = [
    'HTTP',
    'HTTP2',
    'HTTP_PROXY',
    'GRPC',
    'GRPC-WEB',
    'HTTPS',
    'TLS',
    'TCP',
    'MONGO',
    'REDIS',
    'MYSQL',
    'UDP',
  ];
  return all.find((x) => x === upper);
}

export function isHttpProtocol(p: Protocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-WEB' || p === 'HTTP_PROXY';
}

// Hash policies (RouteAction.hash_policy) and the 64-bit hash the load balancers share.
// Envoy evaluates every policy in order; each that produces a hash is folded into the running one
// as rotl(hash, 1) ^ new; a policy marked terminal that produced a hash stops the evaluation.
// A cookie policy whose cookie is missing produces nothing here, also when it has a ttl: Envoy
// would then generate the cookie and set it on the response, which this proxy does not do.

import type { HashPolicyConfig } from '../config/index.ts';
import { queryParam } from './query.ts';
import type { RequestView } from './types.ts';

const MASK64 = (1n << 64n) - 1n;

/**
 * FNV-1a 64 over the UTF-8 bytes of `text`, computed in 32-bit halves so the per-byte loop stays
 * in small integers; one BigInt is built at the end.
 */
export function hash64(text: string): bigint {
  // offset basis 0xcbf29ce484222325
  H = 0xcbf29ce4;
  L = 0x84222325;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      step(c);
      continue;
    }
    // Encode the code point as UTF-8 on the fly.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else {
        c = 0xfffd;
      }
    } else if (c >= 0xd800 && c <= 0xdfff) {
      c = 0xfffd; // lone surrogate, encoded as Buffer.from would
    }
    if (c < 0x800) {
      step(0xc0 | (c >> 6));
    } else if (c < 0x10000) {
      step(0xe0 | (c >> 12));
      step(0x80 | ((c >> 6) & 0x3f));
    } else {
      step(0xf0 | (c >> 18));
      step(0x80 | ((c >> 12) & 0x3f));
      step(0x80 | ((c >> 6) & 0x3f));
    }
    step(0x80 | (c & 0x3f));
  }
  return (BigInt(H) << 32n) | BigInt(L);
}

// The running FNV state as two unsigned 32-bit halves; hash64 is synchronous, so module state is safe.
let H = 0;
let L = 0;

/** One FNV-1a step: xor the byte in, multiply by the prime 2^40 + 0x1b3 modulo 2^64. */
function step(byte: number): void {
  const lo = (L ^ byte) >>> 0;
  const p = lo * 0x1b3; // < 2^41: exact in a double
  // hi·0x1b3·2^32 + lo·0x1b3 + lo·2^40 (hi·2^40 is ≥ 2^64 and vanishes).
  H = (Math.imul(H, 0x1b3) + Math.floor(p / 0x100000000) + ((lo << 8) >>> 0)) >>> 0;
  L = p >>> 0;
}

function combine(acc: bigint | undefined, h: bigint): bigint {
  if (acc === undefined) return h;
  return (((acc << 1n) | (acc >> 63n)) & MASK64) ^ h;
}

/** The value of cookie `name` in the request's Cookie header(s), or undefined. */
export function cookieValue(req: RequestView, name: string): string | undefined {
  const names = req.headers.names;
  for (let i = 0; i < names.length; i++) {
    if (names[i] !== 'cookie') continue;
    const header = req.headers.values[i]!;
    let start = 0;
    while (start < header.length) {
      let end = header.indexOf(';', start);
      if (end === -1) end = header.length;
      let s = start;
      while (s < end && header.charCodeAt(s) === 32) s++;
      const eq = header.indexOf('=', s);
      if (eq !== -1 && eq < end && eq - s === name.length && header.startsWith(name, s)) {
        let v = header.slice(eq + 1, end).trim();
        if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
        return v;
      }
      start = end + 1;
    }
  }
  return undefined;
}

function policyHash(p: HashPolicyConfig, req: RequestView): bigint | undefined {
  const spec = p.spec;
  switch (spec.kind) {
    case 'header': {
      const name = spec.name.toLowerCase();
      if (name === ':authority') return hash64(req.authority);
      if (name === ':path') return hash64(req.path);
      if (name === ':method') return hash64(req.method);
      const values = req.headers.getAll(name);
      if (values.length === 0) return undefined;
      if (values.length === 1) return hash64(values[0]!);
      // Several values: sorted so their order does not change the hash, then chained.
      values.sort();
      let h: bigint | undefined;
      for (const v of values) h = combine(h, hash64(v));
      return h;
    }
    case 'cookie': {
      const v = cookieValue(req, spec.name);
      return v === undefined ? undefined : hash64(v);
    }
    case 'source_ip':
      return req.sourceIp ? hash64(req.sourceIp) : undefined;
    case 'query_parameter': {
      const v = queryParam(req.path, req.path.indexOf('?'), spec.name);
      return v === undefined ? undefined : hash64(v);
    }
  }
}

export function computeHash(policies: readonly HashPolicyConfig[], req: RequestView): bigint | undefined {
  let acc: bigint | undefined;
  for (let i = 0; i < policies.length; i++) {
    const p = policies[i]!;
    const h = policyHash(p, req);
    if (h === undefined) continue;
    acc = combine(acc, h);
    if (p.terminal) break;
  }
  return acc;
}

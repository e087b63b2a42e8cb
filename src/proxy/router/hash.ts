// Hash policies (RouteAction.hash_policy) and the 64-bit hash the load balancers share.
// Envoy evaluates every policy in order; each that produces a hash is folded into the running one
// as rotl(hash, 1) ^ new; a policy marked terminal that produced a hash stops the evaluation.
// A cookie policy whose cookie is missing produces nothing here, also when it has a ttl: Envoy
// would then generate the cookie and set it on the response, which this proxy does not do.

import type { HashPolicyConfig } from '../config/index.ts';
import { xxHash64 } from '../hash/index.ts';
import { queryParam } from './query.ts';
import type { RequestView } from './types.ts';

const MASK64 = (1n << 64n) - 1n;

/**
 * The hash of one policy input: xxHash64 over its UTF-8 bytes, as Envoy hashes them. It mixes
 * well, so similar keys ('user-1', 'user-2') land far apart on a ring or a Maglev table (FNV-1a,
 * used before, kept their top bits and sent them all to one host).
 */
export function hash64(text: string): bigint {
  return xxHash64(text);
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

// Filter-chain selection in Envoy's order (FilterChainMatch docs): destination port, destination
// IP, server name, transport protocol, application protocols, source IP, each step keeping the
// most specific chains that match and falling back to chains that leave the field empty.
import { isIP } from 'node:net';
import type { FilterChainMatchConfig } from '../config/index.ts';

export interface ConnectionFacts {
  destinationPort: number;
  destinationIp: string;
  sourceIp: string;
  serverName: string;
  transportProtocol: 'raw_buffer' | 'tls';
  alpn: readonly string[];
}

interface Cidr {
  family: 4 | 6;
  bytes: Uint8Array;
  len: number;
}

function parseIp(ip: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  if (ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4) ip = ip.slice(7);
  const fam = isIP(ip);
  if (fam === 4) return { family: 4, bytes: Uint8Array.from(ip.split('.').map(Number)) };
  if (fam !== 6) return undefined;
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = Number.parseInt(g, 16);
    bytes[i * 2] = v >> 8;
    bytes[i * 2 + 1] = v & 255;
  });
  return { family: 6, bytes };
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, lenText] = text.split('/');
  const ip = parseIp(addr ?? '');
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  const len = lenText === undefined ? max : Number(lenText);
  if (!Number.isInteger(len) || len < 0 || len > max) return undefined;
  return { ...ip, len };
}

function cidrContains(c: Cidr, ip: { family: 4 | 6; bytes: Uint8Array } | undefined): boolean {
  if (!ip || ip.family !== c.family) return false;
  let bits = c.len;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 255 : (0xff << (8 - bits)) & 255;
    if ((ip.bytes[i]! & mask) !== (c.bytes[i]! & mask)) return false;
  }
  return true;
}

/** Score of an IP match: longest matching prefix, -1 for no match, 0 when the list is empty. */
function ipScore(ranges: readonly Cidr[], ip: { family: 4 | 6; bytes: Uint8Array } | undefined): number {
  if (ranges.length === 0) return 0;
  let best = -1;
  for (const r of ranges) if (cidrContains(r, ip) && r.len + 1 > best) best = r.len + 1;
  return best;
}

/** Exact name beats the longest wildcard suffix; -1 no match, 0 empty list. */
function nameScore(names: readonly string[], sni: string): number {
  if (names.length === 0) return 0;
  let best = -1;
  for (const n of names) {
    if (n === sni) return 100000;
    if (n.startsWith('*.') && sni.endsWith(n.slice(1)) && sni.length > n.length - 1)
      best = Math.max(best, n.length);
  }
  return best;
}

export interface CompiledMatch<T> {
  match: FilterChainMatchConfig;
  prefixRanges: Cidr[];
  sourceRanges: Cidr[];
  value: T;
}

export function compileMatch<T>(match: FilterChainMatchConfig, value: T): CompiledMatch<T> | string {
  const prefixRanges: Cidr[] = [];
  const sourceRanges: Cidr[] = [];
  for (const r of match.prefixRanges) {
    const c = parseCidr(r);
    if (!c) return `prefix_ranges: invalid CIDR '${r}'`;
    prefixRanges.push(c);
  }
  for (const r of match.sourcePrefixRanges) {
    const c = parseCidr(r);
    if (!c) return `source_prefix_ranges: invalid CIDR '${r}'`;
    sourceRanges.push(c);
  }
  return { match, prefixRanges, sourceRanges, value };
}

/** Keeps the candidates with the best score (> -1). */
function narrow<T>(cands: CompiledMatch<T>[], score: (c: CompiledMatch<T>) => number): CompiledMatch<T>[] {
  let best = -1;
  let out: CompiledMatch<T>[] = [];
  for (const c of cands) {
    const s = score(c);
    if (s > best) {
      best = s;
      out = [c];
    } else if (s === best && s >= 0) out.push(c);
  }
  return out;
}

export function selectChain<T>(chains: readonly CompiledMatch<T>[], f: ConnectionFacts): T | undefined {
  let cands = chains as CompiledMatch<T>[];
  if (cands.length === 0) return undefined;
  cands = narrow(cands, (c) =>
    c.match.destinationPort === undefined ? 0 : c.match.destinationPort === f.destinationPort ? 1 : -1,
  );
  const dst = parseIp(f.destinationIp);
  cands = narrow(cands, (c) => ipScore(c.prefixRanges, dst));
  cands = narrow(cands, (c) => nameScore(c.match.serverNames, f.serverName));
  cands = narrow(cands, (c) =>
    c.match.transportProtocol === undefined ? 0 : c.match.transportProtocol === f.transportProtocol ? 1 : -1,
  );
  cands = narrow(cands, (c) =>
    c.match.applicationProtocols.length === 0
      ? 0
      : c.match.applicationProtocols.some((p) => f.alpn.includes(p))
        ? 1
        : -1,
  );
  const src = parseIp(f.sourceIp);
  cands = narrow(cands, (c) => ipScore(c.sourceRanges, src));
  return cands[0]?.value;
}

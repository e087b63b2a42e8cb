// Virtual host selection as Envoy documents it for VirtualHost.domains: the Host/:authority value,
// lower-cased and as sent (port included, unless ignore_port_in_host_matching), is looked up as
// 1. an exact domain, 2. the longest suffix wildcard ('*.foo.com', '*-bar.foo.com'), 3. the longest
// prefix wildcard ('foo.*'), 4. '*'. A wildcard never matches the empty string. Domains must be
// unique across the route configuration.

import { portStart } from './rewrite.ts';
import type { RouteCompileError } from './types.ts';

interface Wildcard<T> {
  /** For '*.foo.com' the suffix '.foo.com'; for 'foo.*' the prefix 'foo.'. */
  part: string;
  domain: string;
  value: T;
}

export interface HostMatch<T> {
  value: T;
  domain: string;
}

const CACHE_MAX = 4096;

export class VirtualHostIndex<T> {
  private readonly exact = new Map<string, HostMatch<T>>();
  private readonly suffixes: Wildcard<T>[] = [];
  private readonly prefixes: Wildcard<T>[] = [];
  private fallback: HostMatch<T> | undefined;
  private readonly ignorePort: boolean;
  /** Authority as received → match; hosts repeat, so most lookups are one Map get. */
  private readonly cache = new Map<string, HostMatch<T> | null>();

  constructor(ignorePort: boolean) {
    this.ignorePort = ignorePort;
  }

  /** Adds a domain; returns an error when it is empty or already taken. */
  add(domain: string, value: T, at: string): RouteCompileError | undefined {
    const d = domain.toLowerCase();
    if (d === '') return { path: at, message: 'domain is empty' };
    if (/[\x00-\x20\x7f]/.test(d))
      return { path: at, message: `domain ${JSON.stringify(domain)} contains a space or control character` };
    const taken = (): RouteCompileError => ({
      path: at,
      message: `Only unique values for domains are permitted. Duplicate entry of domain ${d}`,
    });
    if (d === '*') {
      if (this.fallback) return taken();
      this.fallback = { value, domain: d };
    } else if (d.startsWith('*')) {
      const part = d.slice(1);
      if (this.suffixes.some((w) => w.part === part)) return taken();
      this.suffixes.push({ part, domain: d, value });
    } else if (d.endsWith('*')) {
      const part = d.slice(0, -1);
      if (this.prefixes.some((w) => w.part === part)) return taken();
      this.prefixes.push({ part, domain: d, value });
    } else {
      if (this.exact.has(d)) return taken();
      this.exact.set(d, { value, domain: d });
    }
    return undefined;
  }

  /** Call once all domains are added: longest wildcards first. */
  seal(): void {
    this.suffixes.sort((a, b) => b.part.length - a.part.length);
    this.prefixes.sort((a, b) => b.part.length - a.part.length);
  }

  /**
   * The match of every authority when '*' is the only domain (Istio's inbound route config, and
   * many a bootstrap's), else undefined: the router then needs no lookup, cache or host memo.
   */
  onlyMatch(): HostMatch<T> | undefined {
    const onlyFallback = this.exact.size === 0 && this.suffixes.length === 0 && this.prefixes.length === 0;
    return onlyFallback ? this.fallback : undefined;
  }

  find(authority: string): HostMatch<T> | undefined {
    const cached = this.cache.get(authority);
    if (cached !== undefined) return cached ?? undefined;
    const found = this.lookup(authority);
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(authority, found ?? null);
    return found;
  }

  private lookup(authority: string): HostMatch<T> | undefined {
    let host = authority;
    if (this.ignorePort) {
      const ps = portStart(host);
      if (ps !== -1) host = host.slice(0, ps);
    }
    host = host.toLowerCase();
    const exact = this.exact.get(host);
    if (exact) return exact;
    for (const w of this.suffixes) {
      if (host.length > w.part.length && host.endsWith(w.part)) return w;
    }
    for (const w of this.prefixes) {
      if (host.length > w.part.length && host.startsWith(w.part)) return w;
    }
    return this.fallback;
  }
}

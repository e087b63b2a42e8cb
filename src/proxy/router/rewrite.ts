// Path rewrites (prefix_rewrite, regex_rewrite) and redirect Location building, as Envoy does them.
// prefix_rewrite swaps the matched part of the path (the prefix, the exact path, or the whole path
// for a regex route) with the new value as plain text, query kept: '/prefix/' → '/' turns
// '/prefix/a' into '/a' while '/prefix' → '/' turns it into '//a'. regex_rewrite replaces every
// match in the path without the query, then puts the query back.

import type { PathMatchConfig, RedirectActionConfig } from '../config/index.ts';
import {
  type CompiledRegex,
  type CompiledSubstitution,
  compileRegex,
  compileSubstitution,
  type RegexResult,
} from './regex.ts';
import type { RequestView } from './types.ts';

/** Rewrites a path (with query); undefined from compile when the route rewrites nothing. */
export type PathRewriteFn = (path: string) => string;

export function compilePathRewrite(
  match: PathMatchConfig,
  prefixRewrite: string | undefined,
  regexRewrite: { pattern: string; substitution: string } | undefined,
): RegexResult<PathRewriteFn | undefined> {
  if (prefixRewrite !== undefined && regexRewrite !== undefined) {
    return { ok: false, error: 'only one of prefix_rewrite and regex_rewrite may be set' };
  }
  if (prefixRewrite !== undefined) {
    const rewrite = prefixRewrite;
    if (match.kind === 'safe_regex') {
      // The matched part is the whole path without the query.
      return {
        ok: true,
        value: (path) => {
          const q = path.indexOf('?');
          return q === -1 ? rewrite : rewrite + path.slice(q);
        },
      };
    }
    const len = match.value.length;
    return { ok: true, value: (path) => rewrite + path.slice(len) };
  }
  if (regexRewrite !== undefined) {
    const re = compileRegex(regexRewrite.pattern);
    if (!re.ok) return re;
    const sub = compileSubstitution(regexRewrite.substitution, re.value.groupCount);
    if (!sub.ok) return sub;
    return { ok: true, value: regexPathRewrite(re.value, sub.value) };
  }
  return { ok: true, value: undefined };
}

function regexPathRewrite(re: CompiledRegex, sub: CompiledSubstitution): PathRewriteFn {
  return (path) => {
    const q = path.indexOf('?');
    if (q === -1) return re.replaceAll(path, sub);
    return re.replaceAll(path.slice(0, q), sub) + path.slice(q);
  };
}

export type RedirectFn = (req: RequestView) => string;

function defaultPort(scheme: string): string {
  return scheme === 'https' ? ':443' : scheme === 'http' ? ':80' : '';
}

/** Index of the ':' before the port in an authority ('[v6]:port' aware), or -1. */
export function portStart(authority: string): number {
  if (authority.startsWith('[')) {
    const i = authority.lastIndexOf(']:');
    return i === -1 ? -1 : i + 1;
  }
  return authority.lastIndexOf(':');
}

export function compileRedirect(r: RedirectActionConfig, match: PathMatchConfig): RegexResult<RedirectFn> {
  const rewrite = compilePathRewrite(match, r.prefixRewrite, r.regexRewrite);
  if (!rewrite.ok) return rewrite;
  if (r.pathRedirect !== undefined && rewrite.value !== undefined) {
    return { ok: false, error: 'path_redirect cannot be combined with prefix_rewrite or regex_rewrite' };
  }
  const rewritePath = rewrite.value;
  const pathRedirect = r.pathRedirect;
  const pathRedirectHasQuery = pathRedirect?.includes('?') === true;
  const stripQuery = r.stripQuery;
  const schemeRedirect = r.schemeRedirect?.toLowerCase();
  const hostRedirect = r.hostRedirect;
  const portRedirect = r.portRedirect === undefined ? '' : ':' + r.portRedirect;

  const fn: RedirectFn = (req) => {
    const requestProto = req.headers.get('x-forwarded-proto') ?? req.scheme;
    const scheme = schemeRedirect ?? requestProto;
    const port = portRedirect;
    let host: string;
    if (hostRedirect !== undefined) {
      host = hostRedirect;
    } else {
      host = req.authority;
      const ps = portStart(host);
      if (ps !== -1) {
        const requestPort = host.slice(ps);
        // A new port replaces the old one; a scheme change drops the old scheme's default port.
        const drop = port !== '' || (scheme !== requestProto && requestPort === defaultPort(requestProto));
        if (drop) host = host.slice(0, ps);
      }
    }
    // A port_redirect is written even when it is the scheme's default (Envoy's newUri).

    let path: string;
    if (pathRedirect !== undefined) {
      if (pathRedirectHasQuery) {
        path = pathRedirect;
      } else {
        const q = req.path.indexOf('?');
        path = q === -1 ? pathRedirect : pathRedirect + req.path.slice(q);
      }
    } else if (rewritePath !== undefined) {
      path = rewritePath(req.path);
    } else {
      path = req.path;
    }
    if (!path.startsWith('/')) path = '/' + path;
    if (stripQuery && !pathRedirectHasQuery) {
      const q = path.indexOf('?');
      if (q !== -1) path = path.slice(0, q);
    }
    return `${scheme}://${host}${port}${path}`;
  };
  return { ok: true, value: fn };
}

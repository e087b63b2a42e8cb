// The request path as Envoy's connection manager prepares it before filters and routing
// (maybeNormalizePath): a path with a fragment is refused; with normalize_path, the part before
// '?' is normalized as RFC 3986 §6.2.2 says and Envoy's URL canonicaliser does it; with
// merge_slashes, runs of '/' become one. The query is never touched. Pure functions; the common
// path (nothing to change) is one scan and returns the same string.

import { hexValue } from './h1/index.ts';

/** Why a path is refused: Envoy's 400 with details `path_normalization_failed`. */
export const PATH_NORMALIZATION_FAILED = 'path_normalization_failed';

/** Unreserved characters (RFC 3986 §2.3) whose %-escape normalization decodes. */
function unreserved(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 45 ||
    c === 46 ||
    c === 95 ||
    c === 126
  );
}

/** Raw characters the canonicaliser %-escapes: controls, space, `"#<>^\`{|}`, DEL and non-ASCII. */
function mustEscape(c: number): boolean {
  return (
    c <= 32 ||
    c >= 127 ||
    c === 34 ||
    c === 35 ||
    c === 60 ||
    c === 62 ||
    c === 94 ||
    c === 96 ||
    c === 123 ||
    c === 124 ||
    c === 125
  );
}

/** The byte of the escape at s[i] ('%' and two hex digits), or -1. */
function escapeAt(s: string, i: number, end: number): number {
  if (i + 2 >= end) return -1;
  const hi = hexValue(s.charCodeAt(i + 1));
  const lo = hexValue(s.charCodeAt(i + 2));
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

const HEX = '0123456789ABCDEF';

/**
 * One segment (no separators in it) in canonical form: unreserved escapes decoded, other valid
 * escapes kept as written, characters that must be escaped escaped; undefined for a NUL.
 *
 * A '%' that starts no escape is kept, unless decoding puts hex digits right after it: then the
 * output would hold an escape the input did not ('%2%65' → '%2e', which an upstream decoding once
 * reads as '.'), so that '%' is written '%25' — the canonicaliser's nested-escape rule.
 */
function canonicalSegment(s: string, start: number, end: number): string | undefined {
  let out = '';
  /** Where in `out` the last '%' that started no escape is, and the last decoded character. */
  let lonePct = -1;
  let decodedAt = -1;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 /* % */) {
      const v = escapeAt(s, i, end);
      if (v === 0) return undefined;
      if (v > 0) {
        if (unreserved(v)) {
          decodedAt = out.length;
          out += String.fromCharCode(v);
        } else out += s.slice(i, i + 3);
        i += 2;
      } else {
        lonePct = out.length;
        out += '%';
      }
    } else if (c === 0) return undefined;
    else out += mustEscape(c) ? `%${HEX[c >> 4]}${HEX[c & 15]}` : s[i];
    // Two characters after a lone '%', at least one of them decoded, both hex: a new escape.
    if (lonePct >= 0 && out.length >= lonePct + 3) {
      const made =
        decodedAt > lonePct &&
        decodedAt <= lonePct + 2 &&
        hexValue(out.charCodeAt(lonePct + 1)) >= 0 &&
        hexValue(out.charCodeAt(lonePct + 2)) >= 0;
      if (made) out = `${out.slice(0, lonePct)}%25${out.slice(lonePct + 1)}`;
      lonePct = -1;
    }
  }
  return out;
}

/** Whether path[0..end) needs the canonicaliser at all: a dot segment, an escape, '\', or a character to escape. */
function needsNormalizing(path: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = path.charCodeAt(i);
    if (c === 37 || c === 92 || mustEscape(c)) return true;
    if (c === 46 /* . */ && i > 0) {
      const prev = path.charCodeAt(i - 1);
      if (prev === 47 || prev === 92) return true;
    }
  }
  return false;
}

/**
 * normalize_path for an origin-form path ('/…'): the normalized path, or undefined when it is
 * refused (a NUL, raw or as %00). Dot segments ('.', '..', and their %2e spellings) are removed
 * ('..' never above the root), '\' is a separator written '/', unreserved escapes are decoded,
 * other escapes kept byte for byte, and characters outside the path's set escaped. Case is kept.
 */
export function normalizePath(path: string): string | undefined {
  let end = path.indexOf('?');
  if (end === -1) end = path.length;
  if (!needsNormalizing(path, end)) return path;
  const segments: string[] = [];
  let endsInDirectory = false;
  // path[0] is '/': segments run between separators ('/' or '\').
  let start = 1;
  for (let i = 1; i <= end; i++) {
    const c = i < end ? path.charCodeAt(i) : 47;
    if (c !== 47 && c !== 92) continue;
    const seg = canonicalSegment(path, start, i);
    if (seg === undefined) return undefined;
    start = i + 1;
    if (seg === '.' || seg === '..') {
      if (seg === '..') segments.pop();
      endsInDirectory = true;
      continue;
    }
    segments.push(seg);
    endsInDirectory = false;
  }
  let out = `/${segments.join('/')}`;
  if (endsInDirectory && segments.length > 0) out += '/';
  return end === path.length ? out : out + path.slice(end);
}

/** merge_slashes: runs of '/' in the part before '?' become one (a leading and a trailing one kept). */
export function mergeSlashes(path: string): string {
  let end = path.indexOf('?');
  if (end === -1) end = path.length;
  const at = path.indexOf('//');
  if (at === -1 || at >= end) return path;
  const part = path.slice(0, end);
  const joined = part
    .split('/')
    .filter((s) => s !== '')
    .join('/');
  const lead = part.startsWith('/') ? '/' : '';
  const trail = part.endsWith('/') ? '/' : '';
  return lead + joined + trail + path.slice(end);
}

/**
 * The path the connection manager routes and forwards: undefined when it is refused (a fragment,
 * or a path normalize_path rejects). Only origin-form paths are touched ('*' and CONNECT's
 * authority are not paths).
 */
export function preparePath(path: string, normalize: boolean, merge: boolean): string | undefined {
  if (path.charCodeAt(0) !== 47) return path;
  // Envoy refuses a request whose path carries a fragment, which a client never sends.
  const hash = path.indexOf('#');
  if (hash !== -1) return undefined;
  let out: string | undefined = path;
  if (normalize) out = normalizePath(out);
  if (out !== undefined && merge) out = mergeSlashes(out);
  return out;
}

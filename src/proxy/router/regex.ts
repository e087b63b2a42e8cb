// RE2 regexes (Envoy's safe_regex) compiled for the hot path. re2js validates the pattern with
// RE2's own grammar, so a pattern Envoy would reject is rejected here too; matching then uses a
// native RegExp when the pattern translates to one with the same meaning (V8's engine is far
// faster than an interpreter in JS), else falls back to re2js.

import { RE2JS } from 're2js';

export interface CompiledRegex {
  readonly source: string;
  /** Whether the whole of `text` matches (RE2::FullMatch). */
  fullMatch(text: string): boolean;
  /** Replaces every match (RE2::GlobalReplace); `substitution` uses \1…\9 for groups. */
  replaceAll(text: string, substitution: CompiledSubstitution): string;
  readonly groupCount: number;
}

/** An RE2 substitution string ('\1', '\\' …), pre-translated for both engines. */
export interface CompiledSubstitution {
  readonly source: string;
  /** JS replacement string ($1, $$). */
  readonly js: string;
  /** Highest group referenced. */
  readonly maxGroup: number;
}

export type RegexResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Rewrites RE2-only syntax into JS; undefined when it cannot be done with the same meaning. */
function toJsSource(pattern: string): { source: string; flags: string } | undefined {
  let flags = '';
  let p = pattern;
  // Leading flag group (?i), (?s), (?is): RE2 applies it to the rest of the pattern.
  const lead = /^\(\?([is]+)\)/.exec(p);
  if (lead) {
    flags = [...new Set(lead[1]!)].join('');
    p = p.slice(lead[0].length);
  }
  if (/\(\?[a-zA-Z-]*[):]/.test(p.replace(/\(\?P?</g, ''))) return undefined; // inline flags mid-pattern
  if (/\[\[:|\\[pP][A-Z{]|\\[CzAQE]/.test(p)) return undefined; // POSIX classes, unicode classes, \C \z \A \Q
  p = p.replace(/\(\?P</g, '(?<');
  return { source: p, flags };
}

export function compileRegex(pattern: string): RegexResult<CompiledRegex> {
  let re2: RE2JS;
  try {
    re2 = RE2JS.compile(pattern);
  } catch (err) {
    return { ok: false, error: `invalid RE2 regex ${JSON.stringify(pattern)}: ${(err as Error).message}` };
  }
  const groupCount = re2.groupCount();
  const js = toJsSource(pattern);
  if (js) {
    try {
      const full = new RegExp(`^(?:${js.source})$`, js.flags);
      const global = new RegExp(js.source, js.flags + 'g');
      return {
        ok: true,
        value: {
          source: pattern,
          groupCount,
          fullMatch: (text) => full.test(text),
          replaceAll: (text, sub) => text.replace(global, sub.js),
        },
      };
    } catch {
      // Falls through to re2js: the pattern is valid RE2 but not valid JS.
    }
  }
  return {
    ok: true,
    value: {
      source: pattern,
      groupCount,
      fullMatch: (text) => re2.matches(text),
      replaceAll: (text, sub) => re2.matcher(text).replaceAll(sub.js),
    },
  };
}

/** Translates an RE2 substitution ('\1' groups, '\\' for a backslash) into '$1' form. */
export function compileSubstitution(source: string, groupCount: number): RegexResult<CompiledSubstitution> {
  let js = '';
  let maxGroup = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '$') {
      js += '$$';
    } else if (c === '\\') {
      const n = source[i + 1];
      if (n === undefined)
        return { ok: false, error: `substitution ${JSON.stringify(source)} ends with '\\'` };
      if (n >= '0' && n <= '9') {
        const g = n.charCodeAt(0) - 48;
        if (g > groupCount) {
          return {
            ok: false,
            error: `substitution ${JSON.stringify(source)} refers to group \\${g} but the pattern has ${groupCount}`,
          };
        }
        maxGroup = Math.max(maxGroup, g);
        js += g === 0 ? '$&' : '$' + g;
      } else if (n === '\\') {
        js += '\\';
      } else {
        return { ok: false, error: `substitution ${JSON.stringify(source)} has invalid escape '\\${n}'` };
      }
      i++;
    } else {
      js += c;
    }
  }
  return { ok: true, value: { source, js, maxGroup } };
}

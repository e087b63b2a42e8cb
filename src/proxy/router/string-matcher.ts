// StringMatcher (exact, prefix, suffix, contains, regex; ignore_case) compiled to one closure.
// ignore_case lower-cases the pattern once; the value is lower-cased per call only when needed.

import type { StringMatcherConfig } from '../config/index.ts';
import { asciiLower, endsWithIgnoreCase, includesIgnoreCase, startsWithIgnoreCase } from './ascii.ts';
import { compileRegex, type RegexResult } from './regex.ts';

export type StringMatchFn = (value: string) => boolean;

export function describeStringMatcher(m: StringMatcherConfig): string {
  return `${m.kind} ${JSON.stringify(m.value)}${m.ignoreCase && m.kind !== 'regex' ? ' (ignore case)' : ''}`;
}

export function compileStringMatcher(m: StringMatcherConfig): RegexResult<StringMatchFn> {
  if (m.kind === 'regex') {
    // Envoy: ignore_case has no effect on safe_regex.
    const re = compileRegex(m.value);
    if (!re.ok) return re;
    const regex = re.value;
    return { ok: true, value: (v) => regex.fullMatch(v) };
  }
  const ic = m.ignoreCase;
  const want = ic ? asciiLower(m.value) : m.value;
  switch (m.kind) {
    case 'exact':
      return {
        ok: true,
        value: ic ? (v) => v.length === want.length && startsWithIgnoreCase(v, want) : (v) => v === want,
      };
    case 'prefix':
      return { ok: true, value: ic ? (v) => startsWithIgnoreCase(v, want) : (v) => v.startsWith(want) };
    case 'suffix':
      return { ok: true, value: ic ? (v) => endsWithIgnoreCase(v, want) : (v) => v.endsWith(want) };
    case 'contains':
      return { ok: true, value: ic ? (v) => includesIgnoreCase(v, want) : (v) => v.includes(want) };
  }
}

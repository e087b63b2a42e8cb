// ASCII case-insensitive comparisons without allocating lower-cased copies: Envoy's ignore_case
// and case_sensitive: false fold ASCII letters only (absl::EqualsIgnoreCase).

function fold(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Whether text[offset..] starts with `lower` (already lower-case), ignoring ASCII case. */
export function startsWithIgnoreCase(text: string, lower: string, offset = 0): boolean {
  if (text.length - offset < lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    if (fold(text.charCodeAt(offset + i)) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Whether text[0..end) equals `lower` (already lower-case), ignoring ASCII case. */
export function equalsIgnoreCase(text: string, end: number, lower: string): boolean {
  return end === lower.length && startsWithIgnoreCase(text, lower, 0);
}

export function endsWithIgnoreCase(text: string, lower: string): boolean {
  return text.length >= lower.length && startsWithIgnoreCase(text, lower, text.length - lower.length);
}

export function includesIgnoreCase(text: string, lower: string): boolean {
  const last = text.length - lower.length;
  for (let i = 0; i <= last; i++) if (startsWithIgnoreCase(text, lower, i)) return true;
  return false;
}

export function asciiLower(text: string): string {
  return /[A-Z]/.test(text) ? text.replace(/[A-Z]+/g, (s) => s.toLowerCase()) : text;
}

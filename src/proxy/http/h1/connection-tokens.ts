// The Connection header's options (RFC 9110 §7.6.1), read once into bits: the parsers want close,
// keep-alive and upgrade, hop-by-hop removal wants the other names it lists. Nearly every message
// carries exactly one of the three common options, so that value is answered without splitting.

export const CONNECTION_CLOSE = 1;
export const CONNECTION_KEEP_ALIVE = 2;
export const CONNECTION_UPGRADE = 4;
/** The value names some other field, which is hop-by-hop too. */
export const CONNECTION_OTHER = 8;

/** The options of a (joined) Connection value as CONNECTION_* bits. */
export function connectionTokens(value: string): number {
  const quick = single(value);
  if (quick !== 0) return quick;
  let bits = 0;
  for (const raw of value.split(',')) {
    const tok = raw.trim().toLowerCase();
    if (tok === '') continue;
    bits |= single(tok) || CONNECTION_OTHER;
  }
  return bits;
}

/** The bit of one option written exactly as the common spellings, else 0. */
function single(v: string): number {
  switch (v.length) {
    case 5:
      return v === 'close' || v === 'Close' ? CONNECTION_CLOSE : 0;
    case 7:
      return v === 'upgrade' || v === 'Upgrade' ? CONNECTION_UPGRADE : 0;
    case 10:
      return v === 'keep-alive' || v === 'Keep-Alive' ? CONNECTION_KEEP_ALIVE : 0;
    default:
      return 0;
  }
}

/** The field names a Connection value lists besides close, keep-alive and upgrade (lower-case). */
export function connectionNamedFields(value: string): string[] {
  const out: string[] = [];
  for (const raw of value.split(',')) {
    const name = raw.trim().toLowerCase();
    if (name === '' || single(name) !== 0) continue;
    out.push(name);
  }
  return out;
}

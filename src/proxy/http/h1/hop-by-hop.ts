// Hop-by-hop fields (RFC 9110 §7.6.1): meaningful for one connection only, so a proxy removes
// them, plus any field the Connection header names, before forwarding either way.
import type { HeaderMap } from '../../headers/index.ts';
import { CONNECTION_OTHER, connectionNamedFields, connectionTokens } from './connection-tokens.ts';

// Always hop-by-hop: connection, keep-alive, proxy-connection, transfer-encoding, te, upgrade,
// trailer (see isAlways).

/** Whether `name` is one of ALWAYS (compared by length first: most names are none of them). */
function isAlways(name: string): boolean {
  switch (name.length) {
    case 2:
      return name === 'te';
    case 7:
      return name === 'upgrade' || name === 'trailer';
    case 10:
      return name === 'connection' || name === 'keep-alive';
    case 16:
      return name === 'proxy-connection';
    case 17:
      return name === 'transfer-encoding';
    default:
      return false;
  }
}

/**
 * Strips hop-by-hop fields in place. `keepUpgrade` keeps `upgrade` (an upgrade being passed
 * through). `te: trailers` is kept, as Envoy forwards it (gRPC needs it).
 */
export function removeHopByHop(headers: HeaderMap, keepUpgrade = false): void {
  const names = headers.names;
  const values = headers.values;
  let first = 0;
  while (first < names.length && !isAlways(names[first]!)) first++;
  // No Connection header (so no field it names) and none of ALWAYS: nothing to strip.
  if (first === names.length) return;
  let named: string[] | undefined;
  let te: string | undefined;
  for (let i = first; i < names.length; i++) {
    const name = names[i]!;
    if (name === 'connection') {
      const v = values[i]!;
      if ((connectionTokens(v) & CONNECTION_OTHER) !== 0) {
        named ??= [];
        for (const n of connectionNamedFields(v)) named.push(n);
      }
    } else if (name === 'te' && te === undefined) te = values[i]!;
  }
  const keepTe = te !== undefined && te.trim().toLowerCase() === 'trailers';
  // Fields the Connection header names may stand before the first ALWAYS one.
  let w = named === undefined ? first : 0;
  for (let r = w; r < names.length; r++) {
    const name = names[r]!;
    if (named?.includes(name)) continue;
    if (isAlways(name) && !(keepUpgrade && name === 'upgrade') && !(keepTe && name === 'te')) continue;
    names[w] = name;
    values[w] = values[r]!;
    w++;
  }
  names.length = w;
  values.length = w;
}

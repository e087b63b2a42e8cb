// Hop-by-hop fields (RFC 9110 §7.6.1): meaningful for one connection only, so a proxy removes
// them, plus any field the Connection header names, before forwarding either way.
import type { HeaderMap } from '../../headers/index.ts';

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
  const connection = headers.getJoined('connection');
  let named: string[] | undefined;
  if (connection !== undefined) {
    for (const raw of connection.split(',')) {
      const name = raw.trim().toLowerCase();
      if (name === '' || name === 'close' || name === 'keep-alive' || name === 'upgrade') continue;
      (named ??= []).push(name);
    }
  }
  const te = headers.get('te');
  const keepTe = te !== undefined && te.trim().toLowerCase() === 'trailers';
  let w = 0;
  for (let r = 0; r < names.length; r++) {
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

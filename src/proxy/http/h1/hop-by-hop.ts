// Hop-by-hop fields (RFC 9110 §7.6.1): meaningful for one connection only, so a proxy removes
// them, plus any field the Connection header names, before forwarding either way.
import type { HeaderMap } from '../../headers/index.ts';

const ALWAYS = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'upgrade',
  'trailer',
];

/**
 * Strips hop-by-hop fields in place. `keepUpgrade` keeps `upgrade` (an upgrade being passed
 * through). `te: trailers` is kept, as Envoy forwards it (gRPC needs it).
 */
export function removeHopByHop(headers: HeaderMap, keepUpgrade = false): void {
  const connection = headers.getJoined('connection');
  if (connection !== undefined) {
    for (const raw of connection.split(',')) {
      const name = raw.trim().toLowerCase();
      if (name === '' || name === 'close' || name === 'keep-alive' || name === 'upgrade') continue;
      headers.remove(name);
    }
  }
  const te = headers.get('te');
  for (const name of ALWAYS) {
    if (keepUpgrade && name === 'upgrade') continue;
    if (name === 'te' && te !== undefined && te.trim().toLowerCase() === 'trailers') continue;
    if (headers.names.indexOf(name) !== -1) headers.remove(name);
  }
}

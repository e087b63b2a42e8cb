// Kind names as people type them: kubectl accepts the kind in any case, its plural, its short name
// and the `<plural>.<group>` form; so do `weft get` and `weft delete`.
import { type KindInfo, knownKinds } from '../../api/index.ts';

const SHORT_NAMES: Record<string, string> = {
  vs: 'VirtualService',
  dr: 'DestinationRule',
  gw: 'Gateway',
  se: 'ServiceEntry',
  we: 'WorkloadEntry',
  wg: 'WorkloadGroup',
  pa: 'PeerAuthentication',
  ra: 'RequestAuthentication',
  ap: 'AuthorizationPolicy',
  svc: 'Service',
  po: 'Pod',
  ns: 'Namespace',
  deploy: 'Deployment',
  sa: 'ServiceAccount',
  cm: 'ConfigMap',
  ep: 'Endpoints',
};

/** Istio's own group wins when a kind exists in several (Gateway in Istio and the Gateway API). */
const PREFERRED_GROUPS = ['networking.istio.io', 'security.istio.io', 'telemetry.istio.io', ''];

export function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith('s')) return lower;
  if (lower.endsWith('y')) return lower.slice(0, -1) + 'ies';
  return lower + 's';
}

/** 'virtualservice.networking.istio.io', the name kubectl prints for a resource type. */
export function qualifiedKind(info: { kind: string; group: string }): string {
  return info.group ? `${info.kind.toLowerCase()}.${info.group}` : info.kind.toLowerCase();
}

/** Resolves what the user typed to a known kind, or undefined. */
export function resolveKind(input: string): KindInfo | undefined {
  const typed = input.trim();
  const dot = typed.indexOf('.');
  const name = (dot === -1 ? typed : typed.slice(0, dot)).toLowerCase();
  const group = dot === -1 ? undefined : typed.slice(dot + 1).toLowerCase();
  const short = SHORT_NAMES[name]?.toLowerCase();
  const matches = knownKinds().filter((k) => {
    if (group !== undefined && k.group !== group) return false;
    const kind = k.kind.toLowerCase();
    return kind === name || pluralOf(k.kind) === name || kind === short;
  });
  if (matches.length <= 1) return matches[0];
  for (const g of PREFERRED_GROUPS) {
    const hit = matches.find((k) => k.group === g);
    if (hit) return hit;
  }
  return matches[0];
}

/** For error messages: a few kinds people commonly ask for. */
export const KIND_EXAMPLES =
  'virtualservice (vs), destinationrule (dr), gateway (gw), serviceentry (se), service (svc)';

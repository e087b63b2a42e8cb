// Envoy's response flags: why a stream ended the way it did, as a bit set on StreamInfo and as
// the short codes Envoy prints in %RESPONSE_FLAGS% (comma-separated, in Envoy's declaration order,
// '-' when none is set).

export const ResponseFlag = {
  FailedLocalHealthCheck: 1 << 0,
  NoHealthyUpstream: 1 << 1,
  UpstreamRequestTimeout: 1 << 2,
  LocalReset: 1 << 3,
  UpstreamRemoteReset: 1 << 4,
  UpstreamConnectionFailure: 1 << 5,
  UpstreamConnectionTermination: 1 << 6,
  UpstreamOverflow: 1 << 7,
  NoRouteFound: 1 << 8,
  DelayInjected: 1 << 9,
  FaultInjected: 1 << 10,
  RateLimited: 1 << 11,
  UnauthorizedExternalService: 1 << 12,
  RateLimitServiceError: 1 << 13,
  DownstreamConnectionTermination: 1 << 14,
  UpstreamRetryLimitExceeded: 1 << 15,
  StreamIdleTimeout: 1 << 16,
  InvalidEnvoyRequestHeaders: 1 << 17,
  DownstreamProtocolError: 1 << 18,
  UpstreamMaxStreamDurationReached: 1 << 19,
  ResponseFromCacheFilter: 1 << 20,
  NoFilterConfigFound: 1 << 21,
  DurationTimeout: 1 << 22,
  UpstreamProtocolError: 1 << 23,
  NoClusterFound: 1 << 24,
  OverloadManager: 1 << 25,
  DnsResolutionFailed: 1 << 26,
  DropOverLoad: 1 << 27,
  DownstreamRemoteReset: 1 << 28,
} as const;

export type ResponseFlagBit = (typeof ResponseFlag)[keyof typeof ResponseFlag];

/** Short codes by bit position, in the order Envoy prints them. */
const SHORT_CODES: readonly string[] = [
  'LH',
  'UH',
  'UT',
  'LR',
  'UR',
  'UF',
  'UC',
  'UO',
  'NR',
  'DI',
  'FI',
  'RL',
  'UAEX',
  'RLSE',
  'DC',
  'URX',
  'SI',
  'IH',
  'DPE',
  'UMSDR',
  'RFCF',
  'NFCF',
  'DT',
  'UPE',
  'NC',
  'OM',
  'DF',
  'DO',
  'DR',
];

// The common single-flag and no-flag cases are looked up, not built, so logging a typical
// request allocates no string for its flags.
const singleFlagText = new Map<number, string>();
for (let i = 0; i < SHORT_CODES.length; i++) singleFlagText.set(1 << i, SHORT_CODES[i]!);

/** '-' for none, 'UO' for one, 'UF,URX' for several (Envoy's order). */
export function responseFlagsToString(flags: number): string {
  if (flags === 0) return '-';
  const single = singleFlagText.get(flags);
  if (single !== undefined) return single;
  let out = '';
  for (let i = 0; i < SHORT_CODES.length; i++) {
    if (flags & (1 << i)) out = out ? out + ',' + SHORT_CODES[i] : SHORT_CODES[i]!;
  }
  return out;
}

/** The bit for a short code ('UO' → UpstreamOverflow), or 0 when the code is unknown. */
export function responseFlagFromShortCode(code: string): number {
  const i = SHORT_CODES.indexOf(code);
  return i === -1 ? 0 : 1 << i;
}

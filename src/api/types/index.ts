// Typed specs of Istio's kinds, as users write them in YAML (camelCase fields, enums as string
// unions, int-or-string as number | string, durations as strings like '1.5s'). The interfaces are
// generated from Istio's CRD schemas (see scripts/gen-types.ts); this door gives them their proto
// message names so the control plane can translate from e.g. VirtualServiceSpec and HTTPRoute.
// They describe valid input: use them on documents that passed validation (src/api/validate).
export type {
  AccessLogging,
  AuthorizationPolicySpec,
  ClaimToHeader,
  Condition,
  ConnectionPoolSettings,
  CorsPolicy,
  Delegate,
  Destination,
  DestinationRuleSpec,
  ExtensionProvider,
  GatewaySpec,
  HeaderOperations,
  Headers,
  HTTPDirectResponse,
  HTTPFaultInjection,
  HTTPMatchRequest,
  HTTPMirrorPolicy,
  HTTPRedirect,
  HTTPRetry,
  HTTPRewrite,
  HTTPRoute,
  HTTPRouteDestination,
  InjectAbort,
  InjectDelay,
  IstioEgressListener,
  IstioIngressListener,
  JWTHeader,
  JWTRule,
  L4MatchAttributes,
  LabelSelector,
  Metrics,
  Operation,
  OutboundTrafficPolicy,
  PeerAuthenticationMutualTLS,
  PeerAuthenticationSpec,
  Percent,
  PolicyTargetReference,
  Port,
  PortSelector,
  ProviderRef,
  ReadinessProbe,
  RequestAuthenticationSpec,
  RouteDestination,
  Rule,
  RuleFrom,
  RuleTo,
  Server,
  ServerTLSSettings,
  ServiceEntrySpec,
  ServicePort,
  SidecarPort,
  SidecarSpec,
  Source,
  StringMatch,
  Subset,
  TCPRoute,
  TelemetrySpec,
  TLSMatchAttributes,
  TLSRoute,
  Tracing,
  TrafficPolicy,
  VirtualServiceSpec,
  WorkloadEntrySpec,
  WorkloadGroupObjectMeta,
  WorkloadGroupSpec,
  WorkloadSelector,
} from './generated/istio.ts';

import type {
  AuthorizationPolicySpec,
  DestinationRuleSpec,
  GatewaySpec,
  PeerAuthenticationSpec,
  RequestAuthenticationSpec,
  ServiceEntrySpec,
  SidecarSpec,
  TelemetrySpec,
  VirtualServiceSpec,
  WorkloadEntrySpec,
  WorkloadGroupSpec,
} from './generated/istio.ts';

/** The spec interface of each Istio kind, by kind name. */
export interface IstioSpecByKind {
  VirtualService: VirtualServiceSpec;
  DestinationRule: DestinationRuleSpec;
  Gateway: GatewaySpec;
  ServiceEntry: ServiceEntrySpec;
  WorkloadEntry: WorkloadEntrySpec;
  WorkloadGroup: WorkloadGroupSpec;
  Sidecar: SidecarSpec;
  PeerAuthentication: PeerAuthenticationSpec;
  AuthorizationPolicy: AuthorizationPolicySpec;
  RequestAuthentication: RequestAuthenticationSpec;
  Telemetry: TelemetrySpec;
}

export type IstioKind = keyof IstioSpecByKind;

const ISTIO_KINDS: ReadonlySet<string> = new Set<IstioKind>([
  'VirtualService',
  'DestinationRule',
  'Gateway',
  'ServiceEntry',
  'WorkloadEntry',
  'WorkloadGroup',
  'Sidecar',
  'PeerAuthentication',
  'AuthorizationPolicy',
  'RequestAuthentication',
  'Telemetry',
]);

export function isIstioKind(kind: string): kind is IstioKind {
  return ISTIO_KINDS.has(kind);
}

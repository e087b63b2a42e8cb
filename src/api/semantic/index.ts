// Istio's semantic validation rules: what its validating webhook checks beyond the CRD schema
// and its CEL rules (which src/api/validate applies). One module per kind; this door dispatches.
// Checks that need more than one document (such as "one Sidecar without workloadSelector per
// namespace") are not made here.
import type { ResourceDocument } from '../document.ts';
import type { ConfigIssue } from '../issue.ts';
import { checkDestinationRule } from './destinationrule.ts';
import { checkGateway } from './gateway.ts';
import { Report } from './report.ts';
import { checkAuthorizationPolicy, checkPeerAuthentication, checkRequestAuthentication } from './security.ts';
import { checkServiceEntry } from './serviceentry.ts';
import { checkSidecar } from './sidecar.ts';
import { checkTelemetry } from './telemetry.ts';
import { type Obj, obj } from './values.ts';
import { checkVirtualService } from './virtualservice.ts';
import { checkWorkloadEntry, checkWorkloadGroup } from './workloadentry.ts';

type KindCheck = (report: Report, spec: Obj) => void;

/** Checks by API group and kind: a kind name alone could belong to another API (Gateway API's Gateway). */
const CHECKS: Record<string, Record<string, KindCheck>> = {
  'networking.istio.io': {
    VirtualService: checkVirtualService,
    DestinationRule: checkDestinationRule,
    Gateway: checkGateway,
    ServiceEntry: checkServiceEntry,
    WorkloadEntry: checkWorkloadEntry,
    WorkloadGroup: checkWorkloadGroup,
    Sidecar: checkSidecar,
  },
  'security.istio.io': {
    AuthorizationPolicy: checkAuthorizationPolicy,
    PeerAuthentication: checkPeerAuthentication,
    RequestAuthentication: checkRequestAuthentication,
  },
  'telemetry.istio.io': {
    Telemetry: checkTelemetry,
  },
};

export function checkSemantics(doc: ResourceDocument): ConfigIssue[] {
  const group = doc.apiVersion.includes('/') ? doc.apiVersion.slice(0, doc.apiVersion.indexOf('/')) : '';
  const check = CHECKS[group]?.[doc.kind];
  const spec = obj(doc.body['spec']);
  // A missing or non-object spec is a schema error; there is nothing semantic to add.
  if (!check || !spec) return [];
  const report = new Report(doc);
  check(report, spec);
  return report.issues;
}

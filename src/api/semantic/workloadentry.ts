// WorkloadEntry and WorkloadGroup rules beyond their schema: the address and the labels.
import type { FieldPath } from '../issue.ts';
import { checkLabelsAt } from './common.ts';
import { checkFqdn, isIpAddress } from './hosts.ts';
import type { Report } from './report.ts';
import { type Obj, obj, str } from './values.ts';

function checkEntry(report: Report, path: FieldPath, entry: Obj): void {
  const address = str(entry['address']);
  // unix:// addresses are checked by the CRD's CEL rules; the rest is an IP or a DNS name.
  if (address !== undefined && address !== '' && !address.startsWith('unix://') && !isIpAddress(address)) {
    const problem = checkFqdn(address);
    if (problem)
      report.error(
        [...path, 'address'],
        `address "${address}" is not an IP address or host name: ${problem}`,
      );
  }
  checkLabelsAt(report, [...path, 'labels'], entry['labels']);
}

export function checkWorkloadEntry(report: Report, spec: Obj): void {
  checkEntry(report, ['spec'], spec);
}

export function checkWorkloadGroup(report: Report, spec: Obj): void {
  const metadata = obj(spec['metadata']);
  if (metadata) checkLabelsAt(report, ['spec', 'metadata', 'labels'], metadata['labels']);
  const template = obj(spec['template']);
  if (!template) return;
  if (str(template['address'])) {
    report.error(
      ['spec', 'template', 'address'],
      'address must not be set in a WorkloadGroup template',
      'each workload registers its own address',
    );
  }
  checkEntry(report, ['spec', 'template'], { ...template, address: undefined });
}

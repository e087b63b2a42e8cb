// Checks applied at a path and reported: the glue between the pure value checks and a Report.
import type { FieldPath } from '../issue.ts';
import { checkExportTo, checkLabelKey, checkLabelValue } from './checks.ts';
import type { Report } from './report.ts';
import { entries, strings } from './values.ts';

/** Reports `message` at `path` when it is defined; for the value checks that return messages. */
export function at(report: Report, path: FieldPath, message: string | undefined, hint?: string): void {
  if (message !== undefined) report.error(path, message, hint);
}

export function checkLabelsAt(report: Report, path: FieldPath, labels: unknown): void {
  for (const [key, value] of entries(labels)) {
    at(report, [...path, key], checkLabelKey(key));
    at(report, [...path, key], checkLabelValue(value));
  }
}

export function checkExportToAt(report: Report, path: FieldPath, exportTo: unknown): void {
  for (const { index, message } of checkExportTo(strings(exportTo))) report.error([...path, index], message);
}

/** Names that must be unique in a list, reported at the later duplicates. */
export function checkUnique(
  report: Report,
  items: unknown[],
  key: (item: unknown) => string | number | undefined,
  path: (index: number) => FieldPath,
  what: string,
): void {
  const seen = new Map<string | number, number>();
  items.forEach((item, index) => {
    const k = key(item);
    if (k === undefined || k === '') return;
    const first = seen.get(k);
    if (first !== undefined)
      report.error(path(index), `duplicate ${what} ${JSON.stringify(k)} (also at index ${first})`);
    else seen.set(k, index);
  });
}

// Collects the issues one document's checks find, each located by field path and line, so rule
// modules only say what is wrong and where, never how an issue is built.
import type { ResourceDocument } from '../document.ts';
import { type ConfigIssue, type FieldPath, formatPath } from '../issue.ts';

export class Report {
  readonly issues: ConfigIssue[] = [];
  private readonly doc: ResourceDocument;

  constructor(doc: ResourceDocument) {
    this.doc = doc;
  }

  error(path: FieldPath, message: string, hint?: string): void {
    this.add('error', path, message, hint);
  }

  warning(path: FieldPath, message: string, hint?: string): void {
    this.add('warning', path, message, hint);
  }

  private add(severity: ConfigIssue['severity'], path: FieldPath, message: string, hint?: string): void {
    const doc = this.doc;
    const issue: ConfigIssue = {
      severity,
      file: doc.file,
      line: doc.lineOf(path),
      kind: doc.kind,
      namespace: doc.metadata.namespace ?? '',
      name: doc.metadata.name,
      path: formatPath(path),
      message,
    };
    if (hint) issue.hint = hint;
    this.issues.push(issue);
  }
}

// One problem found in a configuration document, located precisely enough that a user can fix it
// without guessing: the file and line, which resource, which field, what is wrong, and a hint.

export type Severity = 'error' | 'warning';

export interface ConfigIssue {
  severity: Severity;
  /** Path of the file the document came from, as the user named it ('-' for stdin). */
  file: string;
  /** 1-based line of the field (or of the nearest enclosing field that exists in the document). */
  line: number;
  /** Kind of the resource, e.g. 'VirtualService' (empty when the document has none). */
  kind: string;
  namespace: string;
  name: string;
  /** Field path in Istio's notation, e.g. 'spec.http[0].route[1].weight' ('' for the document). */
  path: string;
  /** What is wrong, as a sentence fragment: 'total destination weight = 0'. */
  message: string;
  /** What to do about it, when there is something useful to say. */
  hint?: string;
}

/** An error about a file or request as a whole (unreadable, bad YAML, not a resource), not about a field. */
export function fileIssue(file: string, line: number, message: string, hint?: string): ConfigIssue {
  const issue: ConfigIssue = {
    severity: 'error',
    file,
    line,
    kind: '',
    namespace: '',
    name: '',
    path: '',
    message,
  };
  if (hint) issue.hint = hint;
  return issue;
}

/** `file:line: Kind ns/name: path: message (hint: …)`, the form every command prints. */
export function formatIssue(issue: ConfigIssue): string {
  const where = `${issue.file}:${issue.line}`;
  const what = issue.kind ? `${issue.kind} ${issue.namespace ? issue.namespace + '/' : ''}${issue.name}` : '';
  const field = issue.path ? `${issue.path}: ` : '';
  const hint = issue.hint ? ` (hint: ${issue.hint})` : '';
  const level = issue.severity === 'warning' ? 'warning: ' : '';
  return `${where}: ${level}${what ? what + ': ' : ''}${field}${issue.message}${hint}`;
}

/** A field path as segments: property names and array indexes. */
export type FieldPath = ReadonlyArray<string | number>;

/** Renders ['spec','http',0,'route',1,'weight'] as 'spec.http[0].route[1].weight'. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

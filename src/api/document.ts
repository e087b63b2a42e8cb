// A Kubernetes-style resource as loaded from YAML, with where it came from. Everything that
// validates or reports on configuration works on these, so errors can always point at a line.
import type { FieldPath } from './issue.ts';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface ResourceDocument {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  /** The whole parsed document (apiVersion, kind, metadata, spec, …) as plain data. */
  body: Record<string, unknown>;
  /** The file as the user named it ('-' for stdin) and the document's index in it (0-based). */
  file: string;
  index: number;
  /** 1-based line where the document starts. */
  line: number;
  /**
   * 1-based line of the value at `path` in the document; when the path does not exist (a missing
   * required field), the line of its nearest existing ancestor.
   */
  lineOf(path: FieldPath): number;
}

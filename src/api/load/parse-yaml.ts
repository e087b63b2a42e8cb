// Parses Kubernetes-style YAML (one or many documents; JSON is YAML too) into ResourceDocuments
// that remember where every field came from, so validation can point at file:line.
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
} from 'yaml';
import type { ObjectMeta, ResourceDocument } from '../document.ts';
import { type ConfigIssue, type FieldPath, fileIssue } from '../issue.ts';

export interface ParseResult {
  docs: ResourceDocument[];
  issues: ConfigIssue[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses every document of `text`; `file` is only used to label documents and issues. */
export function parseYaml(text: string, file: string): ParseResult {
  const counter = new LineCounter();
  const docs: ResourceDocument[] = [];
  const issues: ConfigIssue[] = [];
  // LineCounter learns line starts as the parser goes, so it is only complete after parsing.
  const parsed = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const lastLine = counter.linePos(text.length).line;
  const lineAt = (offset: number): number => Math.min(counter.linePos(offset).line, Math.max(lastLine, 1));
  // A stream of only comments parses as an empty list: nothing to report.
  parsed.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        issues.push(fileIssue(file, lineAt(err.pos[0]), `YAML syntax error: ${firstLine(err.message)}`));
      }
      return;
    }
    const contents = doc.contents;
    const startLine = contents ? lineAt(contents.range?.[0] ?? doc.range[0]) : lineAt(doc.range[0]);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return; // an empty document between separators
    if (!isPlainObject(value)) {
      issues.push(
        fileIssue(
          file,
          startLine,
          `document ${index + 1} is ${describe(value)}, not an object`,
          'each YAML document must be a Kubernetes resource with apiVersion and kind',
        ),
      );
      return;
    }
    const apiVersion = value['apiVersion'];
    const kind = value['kind'];
    const metadata = isPlainObject(value['metadata']) ? value['metadata'] : {};
    const name = typeof metadata['name'] === 'string' ? metadata['name'] : '';
    const namespace = typeof metadata['namespace'] === 'string' ? metadata['namespace'] : '';
    const missing = [
      typeof apiVersion === 'string' && apiVersion !== '' ? '' : 'apiVersion',
      typeof kind === 'string' && kind !== '' ? '' : 'kind',
    ].filter(Boolean);
    if (missing.length > 0) {
      const issue = fileIssue(
        file,
        startLine,
        `document ${index + 1} has no ${missing.join(' or ')}`,
        'every resource needs apiVersion and kind, e.g. apiVersion: networking.istio.io/v1, kind: VirtualService',
      );
      issue.kind = typeof kind === 'string' ? kind : '';
      issue.name = name;
      issue.namespace = namespace;
      issues.push(issue);
      return;
    }
    docs.push({
      apiVersion: apiVersion as string,
      kind: kind as string,
      metadata: metadata as ObjectMeta,
      body: value,
      file,
      index,
      line: startLine,
      lineOf: (path: FieldPath) => lineOfPath(doc, path, lineAt, startLine),
    });
  });
  return { docs, issues };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value} (${JSON.stringify(value)})`;
}

/** Walks the YAML node tree along `path`; stops at the deepest node that exists. */
function lineOfPath(
  doc: Document,
  path: FieldPath,
  lineAt: (offset: number) => number,
  fallback: number,
): number {
  let node: unknown = doc.contents;
  let line = fallback;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (typeof seg === 'number' && isSeq(node)) {
      const item = node.items[seg];
      if (item === undefined) return line;
      node = item;
      const start = rangeStart(item);
      if (start !== undefined) line = lineAt(start);
    } else if (typeof seg === 'string' && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
      if (!pair) return line;
      // The key's line reads best ("weight: 10"), even when the value is a nested block below it.
      const start = rangeStart(pair.key) ?? rangeStart(pair.value);
      if (start !== undefined) line = lineAt(start);
      node = pair.value;
    } else {
      return line;
    }
  }
  return line;
}

function rangeStart(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as Node).range;
    return range ? range[0] : undefined;
  }
  return undefined;
}

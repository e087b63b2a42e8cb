// The directory source: a folder of YAML files is the durable home of the mesh's configuration.
// Files may be edited by hand (the folder is watched) or written by the apply API; either way each
// file is parsed and validated on its own, and a file with errors keeps its last good resources in
// the store, so one bad edit never takes down routes that were working. Writes are atomic.
import { existsSync, type FSWatcher, mkdirSync, readdirSync, readFileSync, statSync, watch } from 'node:fs';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { type ConfigIssue, parseYaml, type ResourceDocument, validateDocuments } from '../api/index.ts';
import { isAtomicTempFile, removeFileDurable, writeFileAtomic } from './atomic.ts';
import { keyOfDocument, keyString, type ResourceKey } from './key.ts';
import { type ConfigStore, creationTimestampOf, type ResourceInput } from './store.ts';

export interface DirectorySourceOptions {
  /** Told about every file that fails to load; the file's previous resources stay in force. */
  onIssues?: (file: string, issues: ConfigIssue[]) => void;
  /** Quiet period after the last file event before re-reading (ms). */
  debounceMs?: number;
  /** Told when an apply could not go where the resource lives (its file has errors on disk). */
  onWarning?: (message: string) => void;
}

/** A resource a delete could not remove because a file holding it has errors on disk. */
export interface BrokenFile {
  key: ResourceKey;
  /** The file as shown to users (relative to the working directory). */
  file: string;
  /** That file's current errors. */
  issues: ConfigIssue[];
}

export type DeleteOutcome = { ok: true; removed: ResourceKey[] } | { ok: false; refused: BrokenFile[] };

const YAML_FILE = /\.(ya?ml|json)$/;

export class DirectorySource {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<string>();
  /** file (absolute) → resources that file last contributed. */
  private readonly fileDocs = new Map<string, ResourceDocument[]>();
  /** Current problems per file, for status endpoints. */
  readonly issues = new Map<string, ConfigIssue[]>();

  readonly dir: string;
  private readonly store: ConfigStore;
  private readonly options: DirectorySourceOptions;

  constructor(dir: string, store: ConfigStore, options: DirectorySourceOptions = {}) {
    this.dir = dir;
    this.store = store;
    this.options = options;
  }

  /** Loads every file once, then watches for changes. */
  start(): void {
    mkdirSync(this.dir, { recursive: true });
    for (const file of listYamlFiles(this.dir)) this.reloadFile(file);
    this.watcher = watch(this.dir, { recursive: true }, (_event, name) => {
      if (!name || isAtomicTempFile(name.split('/').pop() ?? '')) return;
      if (!YAML_FILE.test(name)) return;
      this.pending.add(join(this.dir, name));
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(), this.options.debounceMs ?? 100);
    });
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
    clearTimeout(this.timer);
  }

  /**
   * Writes validated documents: each replaces the resource of the same identity where it lives, or
   * gets a file of its own. Returns the keys written. The caller validates first.
   */
  apply(docs: ResourceDocument[]): ResourceKey[] {
    const written: ResourceKey[] = [];
    const touched = new Map<string, ResourceDocument[]>();
    for (const doc of docs) {
      const key = keyOfDocument(doc);
      let home = this.fileOf(key) ?? join(this.dir, defaultFileName(key));
      if (this.issues.has(home)) {
        // The file on disk has errors (an unfinished hand edit): rewriting it from its last good
        // content would throw that edit away. The resource gets a file of its own instead.
        const own = this.freeFileFor(key, touched);
        this.options.onWarning?.(
          `${relative(process.cwd(), home) || home} has errors, so ${key.kind} ${key.namespace ? `${key.namespace}/` : ''}` +
            `${key.name} was written to ${relative(process.cwd(), own) || own}; the broken file was left ` +
            `as it is (fix or remove its copy of the resource, or it comes back when the file loads)`,
        );
        home = own;
      }
      const list = touched.get(home) ?? [...(this.fileDocs.get(home) ?? [])];
      const at = list.findIndex((d) => keyString(keyOfDocument(d)) === keyString(key));
      // Persist the creation time with the resource, as Kubernetes' creationTimestamp: the one it
      // already has (in its file or the store), else now. A restart reads the same age back.
      const since =
        creationTimestampOf(doc.body) ??
        (at === -1 ? undefined : creationTimestampOf(list[at]!.body)) ??
        this.store.snapshot().get(key)?.createdAt ??
        new Date();
      const stamped = withCreationTimestamp(doc, since);
      if (at === -1) list.push(stamped);
      else list[at] = stamped;
      touched.set(home, list);
      written.push(key);
    }
    for (const [file, list] of touched) {
      writeFileAtomic(file, list.map((d) => stringify(d.body)).join('---\n'));
      this.reloadFile(file);
    }
    return written;
  }

  /**
   * Deletes resources by identity; returns those that existed. Refuses the whole request, writing
   * nothing, when a file holding one of them has errors on disk: rewriting that file from its last
   * good content would throw away the user's unfinished edit (see `apply`, which writes elsewhere
   * instead; a delete has no elsewhere).
   */
  delete(keys: ResourceKey[]): DeleteOutcome {
    const refused: BrokenFile[] = [];
    for (const key of keys) {
      for (const file of this.filesOf(key)) {
        const errors = this.issues.get(file);
        if (errors) refused.push({ key, file: relative(process.cwd(), file) || file, issues: errors });
      }
    }
    if (refused.length > 0) return { ok: false, refused };
    const removed: ResourceKey[] = [];
    const touched = new Map<string, ResourceDocument[]>();
    for (const key of keys) {
      const files = this.filesOf(key);
      if (files.length === 0) continue;
      for (const file of files) {
        const list = touched.get(file) ?? [...(this.fileDocs.get(file) ?? [])];
        touched.set(
          file,
          list.filter((d) => keyString(keyOfDocument(d)) !== keyString(key)),
        );
      }
      removed.push(key);
    }
    for (const [file, list] of touched) {
      if (list.length === 0) removeFileDurable(file);
      else writeFileAtomic(file, list.map((d) => stringify(d.body)).join('---\n'));
      this.reloadFile(file);
    }
    return { ok: true, removed };
  }

  /** A file for `key` alone: its default name, or that name with a suffix when it is taken. */
  private freeFileFor(key: ResourceKey, touched: ReadonlyMap<string, unknown>): string {
    const base = defaultFileName(key).replace(/\.yaml$/, '');
    for (let n = 0; ; n++) {
      const file = join(this.dir, n === 0 ? `${base}.yaml` : `${base}-${n}.yaml`);
      const mine = touched.has(file) && !this.issues.has(file);
      if (mine || (!existsSync(file) && !touched.has(file))) return file;
    }
  }

  /** Every file holding `key` (more than one after an apply had to go around a broken file). */
  private filesOf(key: ResourceKey): string[] {
    const id = keyString(key);
    const out: string[] = [];
    for (const [file, docs] of this.fileDocs) {
      if (docs.some((d) => keyString(keyOfDocument(d)) === id)) out.push(file);
    }
    return out;
  }

  private fileOf(key: ResourceKey): string | undefined {
    const id = keyString(key);
    for (const [file, docs] of this.fileDocs) {
      if (docs.some((d) => keyString(keyOfDocument(d)) === id)) return file;
    }
    return undefined;
  }

  private flush(): void {
    const files = [...this.pending];
    this.pending.clear();
    for (const file of files) this.reloadFile(file);
  }

  /** Re-reads one file; on any error the file's previous resources stay in the store. */
  private reloadFile(file: string): void {
    const shown = relative(process.cwd(), file) || file;
    if (!existsSync(file)) {
      this.fileDocs.delete(file);
      this.issues.delete(file);
      this.store.replaceSource((r) => r.source.file === shown, []);
      return;
    }
    const { docs, issues } = parseYaml(readFileSync(file, 'utf8'), shown);
    const all = [...issues, ...validateDocuments(docs)];
    const errors = all.filter((i) => i.severity === 'error');
    if (errors.length > 0) {
      this.issues.set(file, errors);
      this.options.onIssues?.(shown, errors);
      return;
    }
    this.issues.delete(file);
    this.fileDocs.set(file, docs);
    // A hand-written resource without creationTimestamp is as old as its file's last change.
    const mtime = statSync(file).mtime;
    this.store.replaceSource(
      (r) => r.source.file === shown,
      docs.map((d) => ({ ...toInput(d), createdAt: mtime })),
    );
  }
}

/**
 * `doc` with metadata.creationTimestamp set: RFC 3339 in UTC, kept to the millisecond (Kubernetes
 * writes whole seconds) so that resources applied within one second keep their order on reload.
 */
function withCreationTimestamp(doc: ResourceDocument, at: Date): ResourceDocument {
  const creationTimestamp = at.toISOString();
  const meta = (doc.body['metadata'] ?? {}) as Record<string, unknown>;
  if (meta['creationTimestamp'] === creationTimestamp) return doc;
  return { ...doc, body: { ...doc.body, metadata: { ...meta, creationTimestamp } } };
}

export function toInput(doc: ResourceDocument): ResourceInput {
  return {
    apiVersion: doc.apiVersion,
    kind: doc.kind,
    body: doc.body,
    source: { file: doc.file, line: doc.line },
  };
}

function defaultFileName(key: ResourceKey): string {
  return `${key.kind.toLowerCase()}.${key.namespace || 'cluster'}.${key.name}.yaml`;
}

function listYamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (isAtomicTempFile(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listYamlFiles(path));
    else if (YAML_FILE.test(name)) out.push(path);
  }
  return out;
}

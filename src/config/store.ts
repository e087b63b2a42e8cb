// The config store: every resource the mesh knows, in memory, versioned and watchable. Sources (a
// directory, the apply API, Kubernetes) write into it; the control plane reads immutable snapshots
// and is told which resources changed, so it can rebuild only what depends on them.
import { keyOf, keyString, type ResourceKey } from './key.ts';

export interface StoredResource {
  key: ResourceKey;
  apiVersion: string;
  kind: string;
  /** The whole object as plain data (apiVersion, kind, metadata, spec, …). */
  body: Record<string, unknown>;
  /** Where it came from, for messages: a file and line, or 'api'. */
  source: { file: string; line: number };
  /** The store version at which this resource last changed (its resourceVersion). */
  revision: number;
  /**
   * The store version at which it was first stored; updates keep it. Its age, as Kubernetes'
   * creationTimestamp is, for Istio's rule that the oldest of competing resources wins.
   */
  created: number;
  /**
   * When it was created: its metadata.creationTimestamp (the directory source persists one when a
   * resource is applied), else the time its source gave (a hand-written file's mtime), else when it
   * was first stored. Updates keep it. `weft get` shows it; conflicts are ordered by it.
   */
  createdAt: Date;
}

export interface ConfigSnapshot {
  readonly version: number;
  readonly resources: ReadonlyMap<string, StoredResource>;
  /** Resources of one kind (and API group, when given), in a stable order. */
  ofKind(kind: string, group?: string): StoredResource[];
  get(key: ResourceKey): StoredResource | undefined;
}

export interface ConfigChange {
  version: number;
  /** Keys (keyString) added, updated or removed by this change. */
  changed: ResourceKey[];
}

export type ConfigListener = (change: ConfigChange, snapshot: ConfigSnapshot) => void;

export interface ResourceInput {
  apiVersion: string;
  kind: string;
  body: Record<string, unknown>;
  source: { file: string; line: number };
  /** When the source believes it was created, for a body without metadata.creationTimestamp. */
  createdAt?: Date;
}

/** metadata.creationTimestamp of a body, when it is a valid time. */
export function creationTimestampOf(body: Record<string, unknown>): Date | undefined {
  const meta = body['metadata'] as { creationTimestamp?: unknown } | undefined;
  const text = meta?.creationTimestamp;
  if (typeof text !== 'string' && !(text instanceof Date)) return undefined;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

export class ConfigStore {
  private current: ConfigSnapshot = makeSnapshot(0, new Map());
  private readonly listeners = new Set<ConfigListener>();

  snapshot(): ConfigSnapshot {
    return this.current;
  }

  watch(listener: ConfigListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Adds or replaces resources and removes others in one atomic step: watchers see a single
   * change. Resources whose content did not change keep their revision and are not reported.
   */
  update(upserts: ResourceInput[], removals: ResourceKey[] = []): ConfigChange {
    const version = this.current.version + 1;
    const next = new Map(this.current.resources);
    const changed: ResourceKey[] = [];
    for (const key of removals) {
      if (next.delete(keyString(key))) changed.push(key);
    }
    for (const input of upserts) {
      const meta = (input.body['metadata'] ?? {}) as { name?: string; namespace?: string };
      const key = keyOf(input.apiVersion, input.kind, meta.name ?? '', meta.namespace);
      const id = keyString(key);
      const prev = next.get(id);
      if (prev && sameContent(prev, input)) continue;
      next.set(id, {
        key,
        apiVersion: input.apiVersion,
        kind: input.kind,
        body: input.body,
        source: input.source,
        revision: version,
        created: prev?.created ?? version,
        createdAt: creationTimestampOf(input.body) ?? prev?.createdAt ?? input.createdAt ?? new Date(),
      });
      changed.push(key);
    }
    if (changed.length === 0) return { version: this.current.version, changed };
    this.current = makeSnapshot(version, next);
    const change = { version, changed };
    for (const listener of this.listeners) listener(change, this.current);
    return change;
  }

  /** Replaces everything that came from `fromSource` with `inputs` (a source re-read in full). */
  replaceSource(fromSource: (r: StoredResource) => boolean, inputs: ResourceInput[]): ConfigChange {
    const incoming = new Set(
      inputs.map((i) => {
        const meta = (i.body['metadata'] ?? {}) as { name?: string; namespace?: string };
        return keyString(keyOf(i.apiVersion, i.kind, meta.name ?? '', meta.namespace));
      }),
    );
    const removals: ResourceKey[] = [];
    for (const [id, r] of this.current.resources) {
      if (fromSource(r) && !incoming.has(id)) removals.push(r.key);
    }
    return this.update(inputs, removals);
  }
}

function sameContent(prev: StoredResource, input: ResourceInput): boolean {
  return prev.apiVersion === input.apiVersion && JSON.stringify(prev.body) === JSON.stringify(input.body);
}

function makeSnapshot(version: number, resources: Map<string, StoredResource>): ConfigSnapshot {
  const byKind = new Map<string, StoredResource[]>();
  return {
    version,
    resources,
    ofKind(kind: string, group?: string): StoredResource[] {
      const cacheKey = `${group ?? '*'}/${kind}`;
      let list = byKind.get(cacheKey);
      if (!list) {
        list = [...resources.values()]
          .filter((r) => r.kind === kind && (group === undefined || r.key.group === group))
          .sort((a, b) => keyString(a.key).localeCompare(keyString(b.key)));
        byKind.set(cacheKey, list);
      }
      return list;
    },
    get(key: ResourceKey): StoredResource | undefined {
      return resources.get(keyString(key));
    },
  };
}

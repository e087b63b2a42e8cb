// Encoded resources shared by every stream of the server. Encoding canonical JSON to a protobuf Any
// walks the whole message against its descriptor, and a push used to do it for every resource of
// every proxy, changed or not (~140 ms a proxy at 1,000 services). Most resources are the same
// bytes for many proxies and from one push to the next, so each distinct resource is encoded once:
//   - by object identity, when generation hands several proxies the same object (a namespace's
//     clusters), which costs one WeakMap lookup;
//   - by a hash of its JSON text otherwise, which also carries unchanged resources across versions.
// Each entry's digest also names the resource's content, so a type's output hash is a hash of
// digests rather than of every encoded byte.
import { createHash } from 'node:crypto';
import type { AnyMessage, ConversionError, JsonObject } from '../../xds/index.ts';
import { jsonToAny } from '../../xds/index.ts';

export interface EncodedResource {
  any: AnyMessage;
  /** sha1 of the resource's JSON text: equal digests, equal bytes. */
  digest: string;
}

export type EncodeResult = { ok: true; value: EncodedResource } | { ok: false; errors: ConversionError[] };

/** A type's answer for one subscription: the resources to send and a digest of their contents. */
export interface EncodedList {
  resources: AnyMessage[];
  digest: string;
}

interface Entry extends EncodedResource {
  /** The epoch it was last used in; entries unused for a whole epoch are dropped. */
  usedIn: number;
}

export interface EncodeCacheStats {
  entries: number;
  hitsByIdentity: number;
  hitsByContent: number;
  encodes: number;
}

export class EncodeCache {
  private byContent = new Map<string, Entry>();
  /**
   * Identity is trusted for one epoch only: generators promise not to mutate what they returned
   * until the next config change, and each change starts a new epoch (and a new map).
   */
  private byIdentity = new WeakMap<JsonObject, Entry>();
  /** Whole answers by generated list (identity, same one-epoch trust) and subscription key. */
  private lists = new WeakMap<readonly JsonObject[], Map<string, EncodedList>>();
  private epoch = 0;
  private readonly counters = { hitsByIdentity: 0, hitsByContent: 0, encodes: 0 };

  encode(json: JsonObject): EncodeResult {
    const known = this.byIdentity.get(json);
    if (known) {
      known.usedIn = this.epoch;
      this.counters.hitsByIdentity++;
      return { ok: true, value: known };
    }
    const digest = createHash('sha1').update(JSON.stringify(json)).digest('base64');
    let entry = this.byContent.get(digest);
    if (entry) {
      this.counters.hitsByContent++;
    } else {
      const any = jsonToAny(json);
      // Failures are not cached: they are control-plane bugs, reported each time they happen.
      if (!any.ok) return any;
      this.counters.encodes++;
      entry = { any: any.value, digest, usedIn: this.epoch };
      this.byContent.set(digest, entry);
    }
    entry.usedIn = this.epoch;
    this.byIdentity.set(json, entry);
    return { ok: true, value: entry };
  }

  /** The answer already worked out this epoch for `resources` and a subscription key, if any. */
  list(resources: readonly JsonObject[], key: string): EncodedList | undefined {
    return this.lists.get(resources)?.get(key);
  }

  rememberList(resources: readonly JsonObject[], key: string, list: EncodedList): void {
    let byKey = this.lists.get(resources);
    if (!byKey) {
      byKey = new Map();
      this.lists.set(resources, byKey);
    }
    byKey.set(key, list);
  }

  /**
   * A config change: forget identities (the next generation builds new objects) and drop content
   * entries no stream used during the epoch before this one. Something unchanged for longer stays
   * as long as some push still asks for it.
   */
  nextEpoch(): void {
    this.epoch++;
    this.byIdentity = new WeakMap();
    this.lists = new WeakMap();
    for (const [digest, entry] of this.byContent)
      if (entry.usedIn < this.epoch - 1) this.byContent.delete(digest);
  }

  stats(): EncodeCacheStats {
    return { entries: this.byContent.size, ...this.counters };
  }
}

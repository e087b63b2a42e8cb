// One proxy's ADS stream: classifies each DiscoveryRequest (first request of a type, ACK, NACK,
// stale answer, new subscription) and sends a type's resources when asked or when they changed.
import { createHash, randomUUID } from 'node:crypto';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { AnyMessage, DiscoveryRequest, DiscoveryResponse, JsonObject } from '../../xds/index.ts';
import { PUSH_ORDER, resourceName } from '../../xds/index.ts';
import type { EncodeCache, EncodedList } from './encode-cache.ts';
import type { ProxyNode } from './node.ts';
import { isWildcardType, sameNames, type WatchState } from './watch.ts';

/** What a generator sees of a connected proxy. */
export interface ConnectedProxy {
  /** Unique per stream: `<node id>-<n>`. */
  readonly connectionId: string;
  readonly node: ProxyNode;
  readonly connectedAt: Date;
  /** Names subscribed for a type; undefined when not subscribed; [] on LDS/CDS means all. */
  watchedNames(typeUrl: string): readonly string[] | undefined;
}

export interface GeneratedResources {
  /**
   * Resources in Envoy's canonical JSON, each with its "@type". They must not be mutated once
   * returned, until the next configChanged(): the server caches their encoding by identity.
   */
  resources: JsonObject[];
  /** The version to report; the server's push version when absent. */
  version?: string;
}

export type Generator = (proxy: ConnectedProxy) => GeneratedResources;

/** What a connection needs from the server that owns it. */
export interface PushContext {
  generator(typeUrl: string): Generator | undefined;
  /** The current push version. */
  version(): string;
  /** Encodings shared by every stream. */
  encoder: EncodeCache;
  log(line: string): void;
}

export type PushReason = 'request' | 'change';

export class ProxyConnection implements ConnectedProxy {
  readonly connectionId: string;
  readonly node: ProxyNode;
  readonly connectedAt = new Date();
  readonly watches = new Map<string, WatchState>();
  /** Responses written on this stream, per type URL. */
  readonly responsesSent = new Map<string, number>();
  private readonly call: ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;
  private readonly ctx: PushContext;

  constructor(
    connectionId: string,
    node: ProxyNode,
    call: ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>,
    ctx: PushContext,
  ) {
    this.connectionId = connectionId;
    this.node = node;
    this.call = call;
    this.ctx = ctx;
  }

  watchedNames(typeUrl: string): readonly string[] | undefined {
    return this.watches.get(typeUrl)?.names;
  }

  handleRequest(request: DiscoveryRequest): void {
    const typeUrl = request.type_url;
    if (!typeUrl) return;
    const names = request.resource_names ?? [];
    const nonce = request.response_nonce ?? '';
    let watch = this.watches.get(typeUrl);
    if (nonce === '') {
      // A type's first request on this stream, also after a reconnect when the proxy reports the
      // version it still runs: answer with the current state whatever that version is.
      watch = { typeUrl, names };
      this.watches.set(typeUrl, watch);
      this.push(typeUrl, 'request');
      return;
    }
    if (!watch || nonce !== watch.nonceSent) {
      this.ctx.log(`ads: ${this.connectionId}: ignoring answer to expired nonce ${nonce} for ${typeUrl}`);
      return;
    }
    if (request.error_detail) {
      watch.lastNack = {
        nonce,
        versionKept: request.version_info ?? '',
        versionRejected: watch.versionSent ?? '',
        message: request.error_detail.message,
        at: new Date(),
      };
      this.ctx.log(
        `ads: ${this.connectionId}: NACK ${typeUrl} ${watch.versionSent}: ${request.error_detail.message}`,
      );
      return;
    }
    watch.nonceAcked = nonce;
    watch.versionAcked = request.version_info ?? '';
    if (!sameNames(names, watch.names)) {
      watch.names = names;
      this.push(typeUrl, 'request');
    }
  }

  /** Pushes every subscribed type whose resources changed, in CDS, EDS, LDS, RDS order. */
  pushChanged(): number {
    let pushed = 0;
    const ordered = [...PUSH_ORDER, ...[...this.watches.keys()].filter((t) => !PUSH_ORDER.includes(t))];
    for (const typeUrl of ordered) if (this.watches.has(typeUrl) && this.push(typeUrl, 'change')) pushed++;
    return pushed;
  }

  /** Generates and sends one type; on 'change', only when the output differs from what was sent. */
  push(typeUrl: string, reason: PushReason): boolean {
    const watch = this.watches.get(typeUrl);
    if (!watch) return false;
    const generated = this.generate(watch);
    if (!generated) return false;
    const digest = generated.digest;
    if (reason === 'change' && digest === watch.hashSent) return false;
    const response: DiscoveryResponse = {
      version_info: generated.version,
      resources: generated.resources,
      type_url: typeUrl,
      nonce: randomUUID(),
    };
    this.call.write(response);
    watch.nonceSent = response.nonce;
    watch.versionSent = response.version_info;
    watch.hashSent = digest;
    watch.sentAt = new Date();
    this.responsesSent.set(typeUrl, (this.responsesSent.get(typeUrl) ?? 0) + 1);
    return true;
  }

  private generate(watch: WatchState): (EncodedList & { version: string }) | undefined {
    const generator = this.ctx.generator(watch.typeUrl);
    if (!generator) {
      watch.generateError = `no generator registered for ${watch.typeUrl}`;
      this.ctx.log(`ads: ${this.connectionId}: ${watch.generateError}`);
      return undefined;
    }
    let output: GeneratedResources;
    try {
      output = generator(this);
    } catch (err) {
      watch.generateError = `generator for ${watch.typeUrl} failed: ${(err as Error).message}`;
      this.ctx.log(`ads: ${this.connectionId}: ${watch.generateError}`);
      return undefined;
    }
    const filterByName = !isWildcardType(watch.typeUrl) || watch.names.length > 0;
    const version = output.version ?? this.ctx.version();
    // Proxies that share a generated list (a namespace's endpoints) and subscribe to the same
    // names get the same answer: it is worked out once per push.
    const listKey = filterByName ? namesKey(watch.names) : '*';
    const known = this.ctx.encoder.list(output.resources, listKey);
    if (known) {
      delete watch.generateError;
      return { ...known, version };
    }
    const wanted = new Set(watch.names);
    const resources: AnyMessage[] = [];
    const digests: string[] = [];
    for (const json of output.resources) {
      const name = resourceName(watch.typeUrl, json);
      if (filterByName && (name === undefined || !wanted.has(name))) continue;
      const encoded = this.ctx.encoder.encode(json);
      if (!encoded.ok) {
        const first = encoded.errors[0]!;
        watch.generateError = `${watch.typeUrl} ${name ?? '(unnamed)'}: ${first.path}: ${first.message}`;
        this.ctx.log(`ads: ${this.connectionId}: generated an invalid resource: ${watch.generateError}`);
        return undefined;
      }
      resources.push(encoded.value.any);
      digests.push(encoded.value.digest);
    }
    delete watch.generateError;
    // Content digests of the resources in order stand for the bytes: an unchanged type is not re-sent.
    const list = { resources, digest: createHash('sha1').update(digests.join('')).digest('base64') };
    this.ctx.encoder.rememberList(output.resources, listKey, list);
    return { ...list, version };
  }
}

const namesKeys = new WeakMap<readonly string[], string>();

/** A subscription as one string, made once per names array (a proxy's 1,000 EDS names). */
function namesKey(names: readonly string[]): string {
  let key = namesKeys.get(names);
  if (key === undefined) {
    key = names.join('\0');
    namesKeys.set(names, key);
  }
  return key;
}

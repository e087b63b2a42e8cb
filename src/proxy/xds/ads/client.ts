// The proxy's ADS client (state of the world): one stream to the control plane; LDS and CDS by
// wildcard, then the RDS and EDS names the accepted listeners and clusters refer to. Each response
// is decoded whole: anything bad, it is NACKed with the reason and the last good state keeps
// serving. A response that makes the state complete is handed to the engine (onSnapshot) before it
// is ACKed, and NACKed with the engine's errors if the engine refuses it, so the control plane's
// SYNCED means "running", not just "parsed". A response that leaves the state incomplete (a
// listener waiting for its routes) is ACKed as Envoy ACKs a warming listener; the engine judges the
// response that completes it.
import * as grpc from '@grpc/grpc-js';
import {
  ADS_STREAM_METHOD_PATH,
  anyToJson,
  CLUSTER_TYPE,
  type DiscoveryRequest,
  type DiscoveryResponse,
  decodeDiscoveryResponse,
  ENDPOINT_TYPE,
  encodeDiscoveryRequest,
  type JsonObject,
  LISTENER_TYPE,
  ROUTE_TYPE,
} from '../../../xds/index.ts';
import type {
  EnvoyJson,
  NodeIdentity,
  ProxySnapshot,
  UpdateFailure,
  UpdateFailures,
} from '../../config/index.ts';
import { decodeResource } from '../decode/index.ts';
import { Backoff, type BackoffOptions, DEFAULT_BACKOFF } from './backoff.ts';
import {
  type AcceptedState,
  type AcceptedType,
  assembleSnapshot,
  rawEntries,
  referencedEndpoints,
  referencedRoutes,
  refusedResources,
  type StaticResources,
} from './resources.ts';

export interface AdsClientOptions {
  /** gRPC target of the control plane, 'host:port' or 'unix:/path' (see adsTargetFromBootstrap). */
  address: string;
  node: NodeIdentity;
  /**
   * Applies a complete snapshot; returns (a promise of) the errors that refused it, [] or nothing
   * when it was applied. Responses are handled one at a time, so a slow apply delays the next.
   */
  onSnapshot: (snapshot: ProxySnapshot) => SnapshotVerdict | Promise<SnapshotVerdict>;
  /** Bootstrap static listeners/clusters/admin, carried in every snapshot. */
  staticResources?: StaticResources;
  credentials?: grpc.ChannelCredentials;
  backoff?: BackoffOptions;
  log?: (line: string) => void;
}

/** A resource's name as its type keys it (ClusterLoadAssignment by cluster_name), if it has one. */
function resourceName(typeUrl: string, body: Record<string, unknown>): string | undefined {
  const name = typeUrl === ENDPOINT_TYPE ? body['cluster_name'] : body['name'];
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** The engine's answer to a snapshot: the errors that refused it, or nothing when it was applied. */
export type SnapshotVerdict = readonly string[] | undefined;

interface TypeState {
  /** Names subscribed; [] on LDS/CDS is the wildcard. */
  names: string[];
  /** Nonce of the last response received on the current stream. */
  nonce?: string;
  lastNack?: { version: string; message: string; at: Date };
}

/** Subscription order on a new stream, as Envoy does: clusters before listeners. */
const TYPE_ORDER = [CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE];
const KIND: Record<string, string> = {
  [LISTENER_TYPE]: 'Listener',
  [ROUTE_TYPE]: 'RouteConfiguration',
  [CLUSTER_TYPE]: 'Cluster',
  [ENDPOINT_TYPE]: 'ClusterLoadAssignment',
};
const STATE_KEY = {
  [LISTENER_TYPE]: 'listeners',
  [ROUTE_TYPE]: 'routes',
  [CLUSTER_TYPE]: 'clusters',
  [ENDPOINT_TYPE]: 'endpoints',
} as const;

export interface AdsClientStatus {
  connected: boolean;
  /** Per type URL: the accepted version, the subscription, and the last NACK this proxy sent. */
  types: {
    typeUrl: string;
    version?: string;
    names: string[];
    lastNack?: { version: string; message: string; at: Date };
  }[];
  waitingFor: string[];
  snapshotsEmitted: number;
}

export class AdsClient {
  private readonly options: AdsClientOptions;
  private readonly log: (line: string) => void;
  private readonly backoff: Backoff;
  private readonly types = new Map<string, TypeState>();
  private readonly accepted: AcceptedState = {};
  /** Per type, the resources of its last response that failed to decode (cleared on acceptance). */
  private readonly failures = new Map<keyof UpdateFailures, UpdateFailure[]>();
  private grpcClient: grpc.Client | undefined;
  private call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopped = true;
  private connected = false;
  private sentNode = false;
  /** Responses wait here for the one before them: an engine verdict may take a while. */
  private queue: Promise<void> = Promise.resolve();
  private waitingFor: string[] = [];
  private snapshotsEmitted = 0;

  constructor(options: AdsClientOptions) {
    this.options = options;
    this.log = options.log ?? (() => {});
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
    this.types.set(CLUSTER_TYPE, { names: [] });
    this.types.set(LISTENER_TYPE, { names: [] });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.grpcClient = new grpc.Client(
      this.options.address,
      this.options.credentials ?? grpc.credentials.createInsecure(),
    );
    this.openStream();
  }

  stop(): void {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.call?.cancel();
    this.call = undefined;
    this.grpcClient?.close();
    this.grpcClient = undefined;
    this.connected = false;
  }

  /**
   * The resources of the last rejected response of each type, with the reason each was refused
   * (for the admin /config_dump's error_state); a type's list empties when a response is accepted.
   */
  updateFailures(): UpdateFailures {
    const of = (key: keyof UpdateFailures) => [...(this.failures.get(key) ?? [])];
    return {
      listeners: of('listeners'),
      clusters: of('clusters'),
      routes: of('routes'),
      endpoints: of('endpoints'),
    };
  }

  status(): AdsClientStatus {
    const types = [...this.types.entries()].map(([typeUrl, t]) => {
      const entry: AdsClientStatus['types'][number] = { typeUrl, names: [...t.names] };
      const version = this.acceptedOf(typeUrl)?.version;
      if (version !== undefined) entry.version = version;
      if (t.lastNack) entry.lastNack = { ...t.lastNack };
      return entry;
    });
    return {
      connected: this.connected,
      types,
      waitingFor: [...this.waitingFor],
      snapshotsEmitted: this.snapshotsEmitted,
    };
  }

  private openStream(): void {
    if (this.stopped || !this.grpcClient) return;
    const call = this.grpcClient.makeBidiStreamRequest(
      ADS_STREAM_METHOD_PATH,
      encodeDiscoveryRequest,
      decodeDiscoveryResponse,
    );
    this.call = call;
    this.sentNode = false;
    call.on('data', (response: DiscoveryResponse) => {
      if (this.call !== call) return;
      this.connected = true;
      this.backoff.reset();
      this.queue = this.queue
        .then(() => this.handleResponse(call, response))
        .catch((err: unknown) =>
          this.log(`ads: handling a ${response.type_url} response failed: ${String(err)}`),
        );
    });
    const lost = (reason: string): void => {
      if (this.call !== call) return;
      this.call = undefined;
      this.connected = false;
      this.scheduleReconnect(reason);
    };
    call.on('error', (err: grpc.ServiceError) =>
      lost(`${grpc.status[err.code] ?? err.code}: ${err.details}`),
    );
    call.on('end', () => lost('stream ended by the server'));
    // A new stream knows no nonces; each type starts over, reporting the version it still runs.
    for (const typeUrl of TYPE_ORDER) {
      const t = this.types.get(typeUrl);
      if (!t) continue;
      delete t.nonce;
      this.sendRequest(typeUrl);
    }
  }

  private scheduleReconnect(reason: string): void {
    if (this.stopped) return;
    const delay = this.backoff.next();
    this.log(`ads: connection to ${this.options.address} lost (${reason}); retrying in ${delay} ms`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.openStream();
    }, delay);
  }

  private sendRequest(typeUrl: string, errorMessage?: string): void {
    const t = this.types.get(typeUrl);
    if (!t || !this.call) return;
    const request: DiscoveryRequest = {
      version_info: this.acceptedOf(typeUrl)?.version ?? '',
      resource_names: t.names,
      type_url: typeUrl,
    };
    if (t.nonce !== undefined) request.response_nonce = t.nonce;
    if (!this.sentNode) {
      const { id, cluster, metadata } = this.options.node;
      request.node = { id, cluster, metadata: metadata as JsonObject, user_agent_name: 'weft' };
      this.sentNode = true;
    }
    if (errorMessage !== undefined)
      request.error_detail = { code: grpc.status.INVALID_ARGUMENT, message: errorMessage };
    this.call.write(request);
  }

  private async handleResponse(
    call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>,
    response: DiscoveryResponse,
  ): Promise<void> {
    // Queued behind an engine verdict while the stream was replaced: the new stream asks afresh.
    if (this.call !== call) return;
    const typeUrl = response.type_url;
    const t = this.types.get(typeUrl);
    const key = STATE_KEY[typeUrl as keyof typeof STATE_KEY];
    if (!t || !key) {
      this.log(`ads: ignoring a response for ${typeUrl}, which this proxy did not ask for`);
      return;
    }
    t.nonce = response.nonce;
    const decoded = this.decodeAll(typeUrl, response);
    if (!decoded.ok) {
      this.failures.set(key, decoded.failed);
      this.nack(typeUrl, response, decoded.message);
      return;
    }
    const raw = rawEntries(
      this.accepted[key]?.raw,
      decoded.raw,
      response.version_info,
      new Date().toISOString(),
    );
    const candidate: AcceptedState = {
      ...this.accepted,
      [key]: { version: response.version_info, byName: decoded.byName, raw },
    };
    const assembly = assembleSnapshot(this.options.node, candidate, this.options.staticResources ?? {});
    if (assembly.complete) {
      let verdict: SnapshotVerdict;
      try {
        verdict = await this.options.onSnapshot(assembly.snapshot);
      } catch (err) {
        // An engine that throws did not take the snapshot either.
        verdict = [`applying the snapshot failed: ${(err as Error).message}`];
      }
      if (verdict && verdict.length > 0) {
        // The engine kept its previous snapshot, so the state (and the version reported) stays too.
        const reason = `refused by the proxy: ${verdict.join('; ')}`;
        this.failures.set(key, refusedResources(this.accepted[key]?.raw, raw, reason));
        if (this.call === call) this.nack(typeUrl, response, reason);
        return;
      }
      this.snapshotsEmitted++;
      this.waitingFor = [];
    } else this.waitingFor = assembly.waitingFor;
    Object.assign(this.accepted, candidate);
    this.failures.delete(key);
    if (this.call !== call) return;
    this.sendRequest(typeUrl);
    this.updateSubscriptions();
  }

  private nack(typeUrl: string, response: DiscoveryResponse, message: string): void {
    const t = this.types.get(typeUrl);
    if (t) t.lastNack = { version: response.version_info, message, at: new Date() };
    this.log(`ads: NACK ${KIND[typeUrl]} version ${response.version_info}: ${message}`);
    this.sendRequest(typeUrl, message);
  }

  private decodeAll(
    typeUrl: string,
    response: DiscoveryResponse,
  ):
    | { ok: true; byName: Map<string, unknown>; raw: Map<string, EnvoyJson> }
    | { ok: false; message: string; failed: UpdateFailure[] } {
    const byName = new Map<string, unknown>();
    const raw = new Map<string, EnvoyJson>();
    const failed: UpdateFailure[] = [];
    const at = new Date().toISOString();
    const problems: string[] = [];
    const kind = KIND[typeUrl]!;
    response.resources.forEach((any, i) => {
      if (any.type_url !== typeUrl) {
        problems.push(`resources[${i}]: type ${any.type_url} in a response for ${typeUrl}`);
        return;
      }
      const json = anyToJson(any);
      if (!json.ok) {
        problems.push(
          `${kind} resources[${i}]: ${json.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
        );
        return;
      }
      // The resource's own "@type" is the Any's; the decoders read the message's fields.
      const { '@type': _type, ...body } = json.value;
      const result = decodeResource(typeUrl, body);
      if (!result.ok) {
        // Decoder messages already name the resource ("RouteConfiguration '9080': …").
        const details = result.errors
          .map((e) => (e.path ? `${e.message} (at ${e.path})` : e.message))
          .join('; ');
        problems.push(details);
        const name = resourceName(typeUrl, body);
        if (name !== undefined)
          failed.push({ name, version: response.version_info, resource: json.value, at, details });
        return;
      }
      const name = result.value.name;
      if (byName.has(name)) {
        problems.push(`${kind} '${name}': the name appears twice in one response`);
        return;
      }
      byName.set(name, result.value.value);
      raw.set(name, json.value);
    });
    if (problems.length > 0) return { ok: false, message: problems.join('\n'), failed };
    return { ok: true, byName, raw };
  }

  /** Follows the accepted listeners and clusters to the RDS and EDS names they need. */
  private updateSubscriptions(): void {
    const statics = this.options.staticResources ?? {};
    const listeners = [...(statics.listeners ?? []), ...(this.accepted.listeners?.byName.values() ?? [])];
    const clusters = [...(statics.clusters ?? []), ...(this.accepted.clusters?.byName.values() ?? [])];
    this.subscribe(ENDPOINT_TYPE, referencedEndpoints(clusters));
    this.subscribe(ROUTE_TYPE, referencedRoutes(listeners));
  }

  private subscribe(typeUrl: string, names: string[]): void {
    let t = this.types.get(typeUrl);
    if (t && t.names.join('\0') === names.join('\0')) return;
    if (!t) {
      if (names.length === 0) return;
      t = { names };
      this.types.set(typeUrl, t);
    } else t.names = names;
    this.sendRequest(typeUrl);
  }

  private acceptedOf(typeUrl: string): AcceptedType<unknown> | undefined {
    const key = STATE_KEY[typeUrl as keyof typeof STATE_KEY];
    return key ? (this.accepted[key] as AcceptedType<unknown> | undefined) : undefined;
  }
}

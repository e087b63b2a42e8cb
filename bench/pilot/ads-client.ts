// A minimal ADS client for load: subscribes the way Envoy does (CDS and LDS wildcard, then the EDS
// and RDS names they refer to, read once from the first responses), ACKs every response at once
// and records when each type last arrived. No resource is decoded after the first CDS/LDS, so the
// client side stays cheap while 100 of them share one process; and clients that get the same
// first CDS/LDS bytes share one decode of them, since 100 real proxies would each decode on their
// own CPU, in parallel, while here they take turns on one (4 s of the full push at 1,000 services).
import { createHash } from 'node:crypto';
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
  LISTENER_TYPE,
  ROUTE_TYPE,
} from '../../src/xds/index.ts';

export interface TypeSeen {
  responses: number;
  /** performance.now() of the last response (the ACK goes out in the same tick). */
  lastAt: number;
  version: string;
}

/** Names picked from a first response, by a hash of its resources' bytes (shared by clients). */
const decodedNames = new Map<string, string[]>();

export class BenchAdsClient {
  readonly seen = new Map<string, TypeSeen>();
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
  private readonly names = new Map<string, string[]>([
    [CLUSTER_TYPE, []],
    [LISTENER_TYPE, []],
  ]);
  private sentNode = false;
  private readonly node: DiscoveryRequest['node'];

  constructor(port: number, index: number) {
    this.node = {
      id: `sidecar~10.200.${index >> 8}.${index & 255}~client-${index}.default~default.svc.cluster.local`,
      cluster: 'client.default',
      metadata: {
        NAMESPACE: 'default',
        LABELS: { app: 'client', version: 'v1' },
        INTERCEPTION_MODE: 'NONE',
        WEFT_HTTP_PROXY: '127.0.0.1:15080',
      },
    };
    this.client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
    });
    this.call = this.client.makeBidiStreamRequest(
      ADS_STREAM_METHOD_PATH,
      encodeDiscoveryRequest,
      decodeDiscoveryResponse,
    );
    this.call.on('data', (r: DiscoveryResponse) => this.onResponse(r));
    this.call.on('error', () => {});
    this.request(CLUSTER_TYPE);
    this.request(LISTENER_TYPE);
  }

  private request(typeUrl: string, nonce?: string, version?: string): void {
    const req: DiscoveryRequest = { type_url: typeUrl, resource_names: this.names.get(typeUrl) ?? [] };
    if (nonce !== undefined) req.response_nonce = nonce;
    if (version !== undefined) req.version_info = version;
    if (!this.sentNode) {
      req.node = this.node;
      this.sentNode = true;
    }
    this.call.write(req);
  }

  private onResponse(r: DiscoveryResponse): void {
    const prev = this.seen.get(r.type_url);
    this.seen.set(r.type_url, {
      responses: (prev?.responses ?? 0) + 1,
      lastAt: performance.now(),
      version: r.version_info,
    });
    this.request(r.type_url, r.nonce, r.version_info);
    if (prev) return;
    // First response of a type: follow its references, as Envoy does.
    if (r.type_url === CLUSTER_TYPE)
      this.subscribe(ENDPOINT_TYPE, r, (c) => (c['type'] === 'EDS' ? c['name'] : undefined));
    if (r.type_url === LISTENER_TYPE) this.subscribe(ROUTE_TYPE, r, routeNameOf);
  }

  private subscribe(
    typeUrl: string,
    r: DiscoveryResponse,
    pick: (json: Record<string, unknown>) => unknown,
  ): void {
    const hash = createHash('sha1').update(typeUrl);
    for (const any of r.resources) hash.update(any.value);
    const key = hash.digest('base64');
    let names = decodedNames.get(key);
    if (!names) {
      names = [];
      for (const any of r.resources) {
        const json = anyToJson(any);
        if (!json.ok) continue;
        const name = pick(json.value);
        if (typeof name === 'string') names.push(name);
      }
      decodedNames.set(key, names);
    }
    if (names.length === 0) return;
    this.names.set(typeUrl, names);
    this.request(typeUrl);
  }

  /** Has every subscribed type arrived at least once? */
  complete(): boolean {
    return (
      [...this.names.keys()].every((t) => (this.seen.get(t)?.responses ?? 0) > 0) && this.names.size === 4
    );
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

/** The RDS name of a listener's HTTP connection manager, if it has one. */
function routeNameOf(listener: Record<string, unknown>): string | undefined {
  for (const chain of (listener['filter_chains'] as Record<string, unknown>[] | undefined) ?? []) {
    for (const f of (chain['filters'] as Record<string, unknown>[] | undefined) ?? []) {
      const rds = (f['typed_config'] as Record<string, unknown> | undefined)?.['rds'] as
        | Record<string, unknown>
        | undefined;
      if (typeof rds?.['route_config_name'] === 'string') return rds['route_config_name'];
    }
  }
  return undefined;
}

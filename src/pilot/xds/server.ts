// The control plane's ADS server (state of the world over StreamAggregatedResources): generators
// registered per type URL, one ProxyConnection per stream, a push to the proxies a change concerns
// and the status that `weft proxy-status` prints. Batching changes into pushes (Istio's debounce) is
// the caller's: pilot's PushScheduler (src/pilot/server/scheduler.ts) decides when to call
// configChanged().
import * as grpc from '@grpc/grpc-js';
import type { DiscoveryRequest, DiscoveryResponse } from '../../xds/index.ts';
import { ADS_SERVICE, CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../xds/index.ts';
import { type ConnectedProxy, type Generator, ProxyConnection, type PushContext } from './connection.ts';
import { EncodeCache, type EncodeCacheStats } from './encode-cache.ts';
import { type ProxyNode, parseProxyNode } from './node.ts';
import { type NackRecord, type SyncStatus, shortTypeName, syncStatus } from './watch.ts';

export interface AdsServerOptions {
  /** Where diagnostics go; silent by default. */
  log?: (line: string) => void;
}

export interface TypeStatus {
  /** 'CDS', 'LDS', 'EDS', 'RDS', 'SDS' or the message name for other types. */
  type: string;
  typeUrl: string;
  status: SyncStatus;
  resourceNames: string[];
  versionSent?: string;
  versionAcked?: string;
  nonceSent?: string;
  nonceAcked?: string;
  lastNack?: NackRecord;
  generateError?: string;
  responsesSent: number;
}

export interface ProxyStatus {
  connectionId: string;
  node: ProxyNode;
  connectedAt: Date;
  /** CDS, LDS, EDS, RDS always, then any other subscribed type. */
  types: TypeStatus[];
}

const STATUS_TYPES = [CLUSTER_TYPE, LISTENER_TYPE, ENDPOINT_TYPE, ROUTE_TYPE];

export class AdsServer {
  private readonly generators = new Map<string, Generator>();
  private readonly connections = new Map<string, ProxyConnection>();
  private readonly log: (line: string) => void;
  private readonly ctx: PushContext;
  private readonly encoder = new EncodeCache();
  private grpcServer: grpc.Server | undefined;
  private pushVersion = 0;
  private versionText = '';
  private connectionCounter = 0;

  constructor(options: AdsServerOptions = {}) {
    this.log = options.log ?? (() => {});
    this.nextVersion();
    this.ctx = {
      generator: (typeUrl) => this.generators.get(typeUrl),
      version: () => this.versionText,
      encoder: this.encoder,
      log: this.log,
    };
  }

  /** Registers the generator of one type URL (replacing any earlier one). */
  register(typeUrl: string, generator: Generator): void {
    this.generators.set(typeUrl, generator);
  }

  /** Binds and serves; resolves to the bound port (address '127.0.0.1:0' picks a free one). */
  listen(address: string, credentials = grpc.ServerCredentials.createInsecure()): Promise<number> {
    if (this.grpcServer) return Promise.reject(new Error('ADS server is already listening'));
    const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
    server.addService(ADS_SERVICE, {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) =>
        this.serveStream(call),
    });
    this.grpcServer = server;
    return new Promise((resolve, reject) => {
      server.bindAsync(address, credentials, (err, port) => (err ? reject(err) : resolve(port)));
    });
  }

  /**
   * Config or registry changed: pushes now, to the proxies `affects` selects (all if absent), each
   * getting only the types whose output changed. Not debounced here: the caller batches.
   */
  configChanged(affects?: (proxy: ConnectedProxy) => boolean): void {
    this.pushAll(affects);
  }

  /** How the shared encoding cache is doing (entries, hits, encodes), for tests and the benchmark. */
  encodeStats(): EncodeCacheStats {
    return this.encoder.stats();
  }

  connectedProxies(): ConnectedProxy[] {
    return [...this.connections.values()];
  }

  status(): ProxyStatus[] {
    return [...this.connections.values()].map((conn) => {
      const typeUrls = [
        ...STATUS_TYPES,
        ...[...conn.watches.keys()].filter((t) => !STATUS_TYPES.includes(t)),
      ];
      const types = typeUrls.map((typeUrl): TypeStatus => {
        const watch = conn.watches.get(typeUrl);
        const status: TypeStatus = {
          type: shortTypeName(typeUrl),
          typeUrl,
          status: syncStatus(watch),
          resourceNames: watch ? [...watch.names] : [],
          responsesSent: conn.responsesSent.get(typeUrl) ?? 0,
        };
        if (watch?.versionSent !== undefined) status.versionSent = watch.versionSent;
        if (watch?.versionAcked !== undefined) status.versionAcked = watch.versionAcked;
        if (watch?.nonceSent !== undefined) status.nonceSent = watch.nonceSent;
        if (watch?.nonceAcked !== undefined) status.nonceAcked = watch.nonceAcked;
        if (watch?.lastNack) status.lastNack = { ...watch.lastNack };
        if (watch?.generateError) status.generateError = watch.generateError;
        return status;
      });
      return { connectionId: conn.connectionId, node: conn.node, connectedAt: conn.connectedAt, types };
    });
  }

  /** Stops serving and drops every stream (proxies reconnect to whoever serves next). */
  async close(): Promise<void> {
    const server = this.grpcServer;
    this.grpcServer = undefined;
    this.connections.clear();
    if (server) server.forceShutdown();
  }

  private serveStream(call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>): void {
    let conn: ProxyConnection | undefined;
    const drop = (): void => {
      if (conn && this.connections.get(conn.connectionId) === conn)
        this.connections.delete(conn.connectionId);
    };
    call.on('data', (request: DiscoveryRequest) => {
      if (!conn) {
        const parsed = parseProxyNode(request.node);
        if (!parsed.ok) {
          this.log(`ads: rejecting stream from ${call.getPeer()}: ${parsed.message}`);
          call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: parsed.message });
          return;
        }
        conn = new ProxyConnection(
          `${parsed.node.id}-${++this.connectionCounter}`,
          parsed.node,
          call,
          this.ctx,
        );
        this.connections.set(conn.connectionId, conn);
        this.log(`ads: ${conn.connectionId} connected from ${call.getPeer()}`);
      }
      conn.handleRequest(request);
    });
    call.on('end', () => {
      drop();
      call.end();
    });
    call.on('error', drop);
    call.on('cancelled', drop);
    call.on('close', drop);
  }

  private pushAll(scope: ((proxy: ConnectedProxy) => boolean) | undefined): void {
    this.nextVersion();
    this.encoder.nextEpoch();
    let proxies = 0;
    for (const conn of this.connections.values()) {
      if (scope && !scope(conn)) continue;
      if (conn.pushChanged() > 0) proxies++;
    }
    this.log(`ads: push ${this.versionText} sent to ${proxies} proxies`);
  }

  private nextVersion(): void {
    this.pushVersion++;
    this.versionText = `${new Date().toISOString()}/${this.pushVersion}`;
  }
}

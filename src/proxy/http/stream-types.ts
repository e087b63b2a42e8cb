// The contracts between the connection, the stream and the upstream exchange, as interfaces so
// the three modules do not import each other in a circle.
import type { Socket } from 'node:net';
import type { HeaderMap, HeaderSource } from '../headers/index.ts';
import type { StreamInfo } from '../observe/index.ts';
import type {
  CompiledRoute,
  FormatContext,
  RequestView,
  RouteDecision,
  VirtualHostMemo,
} from '../router/index.ts';
import type { UpstreamCluster } from '../upstream/index.ts';
import type { RequestHead, SentHead } from './h1/index.ts';
import type { CompiledHcm } from './hcm-config.ts';
import type { Deadline, IdleTimer } from './timers.ts';

export interface DownstreamInfo {
  /** 'http' or 'https' (TLS terminated here). */
  scheme: 'http' | 'https';
  remoteAddress: string;
  remotePort: number;
  /** 'ip:port' ('[ip]:port' for IPv6), as access logs print it; built once per connection. */
  remoteAddressText: string;
  localAddress: string;
  requestedServerName: string | undefined;
  /** The proxy worker the connection is bound to: its requests use that worker's upstream pools. */
  worker: number;
}

/** The downstream connection as a stream uses it. */
export interface DownstreamConnection {
  readonly socket: Socket;
  readonly hcm: CompiledHcm;
  readonly downstream: DownstreamInfo;
  closeAfterResponse: boolean;
  /** The virtual host of the connection's last request (RouteTable.route's memo). */
  readonly hostMemo: VirtualHostMemo;
  /** The authority of the CONNECT tunnel this connection now carries, else ''. */
  readonly tunnelAuthority: string;
  /** A CONNECT was accepted for `authority`: the connection now carries its tunnel. */
  beginTunnel(authority: string): void;
  enterUpgradedMode(): void;
  onStreamComplete(stream: unknown, requestComplete: boolean): void;
  /**
   * The stream idle timer for a stream starting now, counting `ms` (0: none): the connection's
   * own, restarted, whose expiry reaches the connection's current stream (onIdleTimeout).
   */
  streamIdleTimer(ms: number): IdleTimer;
  /**
   * The streams' request/route timeout entry in the timer wheel, one per connection for the same
   * reason; its expiry calls the current stream's onDeadline. A stream unschedules it when done.
   */
  readonly streamDeadline: Deadline;
  destroy(): void;
}

/** The response hooks a stream's filters have (ExchangeOwner.responseFilterHooks). */
export const ResponseHooks = { headers: 1, data: 2 } as const;

/** What an upstream exchange needs from the stream it serves. */
export interface ExchangeOwner extends RequestView {
  readonly conn: DownstreamConnection;
  readonly head: RequestHead;
  readonly info: StreamInfo;
  readonly method: string;
  readonly cluster: UpstreamCluster | undefined;
  readonly route: CompiledRoute | undefined;
  readonly decision: RouteDecision | undefined;
  readonly requestEnded: boolean;
  readonly requestTrailers: HeaderMap | undefined;
  readonly idle: IdleTimer;
  responseStarted: boolean;
  exchange: unknown;
  formatContext(): FormatContext;
  takePending(): Buffer[] | undefined;
  /**
   * `head`: the response head, not written yet, to send with this first chunk. `chunk` may be a
   * view of the shared read buffer, valid only during the call: what is kept is copied.
   */
  writeDownstream(chunk: Buffer, chunked: boolean, head?: string | SentHead): boolean;
  endDownstream(chunked: boolean, trailers: HeaderMap | undefined): void;
  runResponseHeaderFilters(status: number, headers: HeaderMap, endStream: boolean): number;
  /**
   * ResponseHooks bits: whether a filter of this stream looks at response heads (they then go
   * through a HeaderMap) and at response body bytes.
   */
  responseFilterHooks(): number;
  recordResponseCode(status: number): void;
  canRetryOnFreshConnection(): boolean;
  retry(): void;
  /** The attempt's response head (outlier detection, retries): true when dropped for a retry. */
  onUpstreamResponse(status: number, headers: HeaderSource): boolean;
  /** The attempt broke before a response: true when a retry was scheduled instead of a 503. */
  onUpstreamReset(): boolean;
  reset(responseFlags: number): void;
  complete(): void;
  sendLocalReply(
    status: number,
    body: string,
    details: string,
    responseFlags: number,
    extra?: HeaderMap,
  ): void;
}

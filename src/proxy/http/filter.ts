// The HTTP filter hook interface (Envoy's decoder/encoder filters, reduced to what a proxy of
// this size needs). Filters are chosen per route when config arrives: a factory looks at the
// route (its typed_per_filter_config) and returns a filter object or nothing, and the result is
// cached per route, so a request on a route without filters pays nothing. Filter objects are
// shared by every stream on the route; per-stream state goes on `stream.filterState`.
// The router is always the terminal filter and is not one of these.
import type { HeaderMap } from '../headers/index.ts';
import type { StatsScope, StreamInfo } from '../observe/index.ts';
import type { CompiledRoute } from '../router/index.ts';

/** What a filter sees of the request and may change (path, authority, headers). */
export interface FilterRequest {
  method: string;
  path: string;
  authority: string;
  headers: HeaderMap;
  sourceIp: string;
}

/** What a filter sees of the response head (status and headers may be changed). */
export interface FilterResponse {
  status: number;
  headers: HeaderMap;
}

/** The stream as a filter may act on it. */
export interface FilterStream {
  readonly route: CompiledRoute | undefined;
  /** Per-stream scratch space, keyed by filter name. */
  readonly filterState: Map<string, unknown>;
  /** The stream's record for logs and stats (response flags such as DI go here). */
  readonly info: StreamInfo;
  /** Answers locally instead of forwarding (e.g. a fault abort); the stream then ends. */
  sendLocalReply(
    status: number,
    body: string,
    details: string,
    responseFlags: number,
    extra?: HeaderMap,
  ): void;
  /** Resumes a stream a filter stopped in onRequestHeaders (e.g. after a fault delay). */
  continueDecoding(): void;
}

/** 'stop': the filter answered locally or will call continueDecoding() later. */
export type FilterHeadersStatus = 'continue' | 'stop';

export interface HttpFilter {
  readonly name: string;
  onRequestHeaders?(stream: FilterStream, request: FilterRequest, endStream: boolean): FilterHeadersStatus;
  onRequestData?(stream: FilterStream, chunk: Buffer, endStream: boolean): void;
  onResponseHeaders?(stream: FilterStream, response: FilterResponse, endStream: boolean): void;
  /** `chunk` is valid only during the call (it may view a shared read buffer): copy what you keep. */
  onResponseData?(stream: FilterStream, chunk: Buffer, endStream: boolean): void;
}

/** What a filter may bind at config time. */
export interface HttpFilterContext {
  /** The connection manager's scope, 'http.<stat_prefix>.'. */
  readonly stats: StatsScope;
}

export interface HttpFilterFactory {
  /** Envoy filter name, e.g. 'envoy.filters.http.fault'. */
  readonly name: string;
  /**
   * The filter for `route` given the listener-level config (the decoded typed_config); undefined
   * when the filter has nothing to do on that route.
   */
  forRoute(listenerConfig: unknown, route: CompiledRoute, ctx: HttpFilterContext): HttpFilter | undefined;
  /** Reasons a (listener-level or per-route) config cannot be served; the config is then refused. */
  validate?(config: unknown): string[];
}

const registry = new Map<string, HttpFilterFactory>();

/** Filters register themselves here (one line in their module); the HCM looks them up by name. */
export function registerHttpFilter(factory: HttpFilterFactory): void {
  registry.set(factory.name, factory);
}

export function httpFilterFactory(name: string): HttpFilterFactory | undefined {
  return registry.get(name);
}

/** Filters Envoy configures that need no work from us here. */
export const ROUTER_FILTER = 'envoy.filters.http.router';

// envoy.filters.http.cors: Cross-Origin Resource Sharing from the route's CorsPolicy
// (typed_per_filter_config). A preflight (OPTIONS with Origin and Access-Control-Request-Method)
// from an allowed origin is answered here, 200 with the Access-Control-Allow-* headers; one from
// another origin goes on to the upstream untouched (forward_not_matching_preflights, default true)
// or, with forward_not_matching_preflights: false, is answered here too, without Allow-Origin.
// allow_methods / allow_headers "*" answer with what the preflight asked for, as Envoy does.
// Other requests from an allowed origin get Access-Control-Allow-Origin (and -Credentials,
// -Expose-Headers) on their response; requests from other origins get no CORS headers.
import { HeaderMap } from '../../../headers/index.ts';
import {
  type FilterHeadersStatus,
  type FilterRequest,
  type FilterResponse,
  type FilterStream,
  type HttpFilter,
  registerHttpFilter,
} from '../../filter.ts';
import { hit } from '../json.ts';
import { type CompiledCors, compileCors, FILTER_TYPE } from './config.ts';

const NAME = 'envoy.filters.http.cors';
const ALIASES = [NAME, 'envoy.cors'];

class CorsFilter implements HttpFilter {
  readonly name = NAME;
  private readonly cors: CompiledCors;

  constructor(cors: CompiledCors) {
    this.cors = cors;
  }

  onRequestHeaders(stream: FilterStream, request: FilterRequest): FilterHeadersStatus {
    const c = this.cors;
    const origin = request.headers.get('origin');
    if (origin === undefined || origin === '') return 'continue';
    if (c.enabled !== undefined && !hit(c.enabled, Math.random())) return 'continue';
    const allowed = this.allows(origin);
    const requestMethod = request.headers.get('access-control-request-method');
    if (request.method === 'OPTIONS' && requestMethod !== undefined && requestMethod !== '') {
      if (allowed || !c.forwardNotMatchingPreflights) {
        const h = this.preflightHeaders(allowed ? origin : undefined, requestMethod, request);
        stream.sendLocalReply(200, '', 'cors_response', 0, h);
        return 'stop';
      }
      return 'continue';
    }
    if (!allowed) return 'continue';
    // The response side needs the allowed origin; only these requests pay for the state.
    stream.filterState.set(NAME, origin);
    return 'continue';
  }

  onResponseHeaders(stream: FilterStream, response: FilterResponse): void {
    // Cheap test first: filterState is created on first use, and most requests carry no Origin.
    if (stream.info.requestHeaders?.has('origin') !== true) return;
    const origin = stream.filterState.get(NAME);
    if (typeof origin !== 'string') return;
    const h = response.headers;
    h.set('access-control-allow-origin', origin);
    if (this.cors.allowCredentials) h.set('access-control-allow-credentials', 'true');
    if (this.cors.exposeHeaders !== undefined)
      h.set('access-control-expose-headers', this.cors.exposeHeaders);
  }

  private allows(origin: string): boolean {
    const c = this.cors;
    if (c.anyOrigin) return true;
    for (const m of c.origins) if (m(origin)) return true;
    return false;
  }

  /** `origin`: the allowed origin to name, or undefined for a preflight answered for another one. */
  private preflightHeaders(
    origin: string | undefined,
    requestMethod: string,
    request: FilterRequest,
  ): HeaderMap {
    const c = this.cors;
    const h = new HeaderMap();
    if (origin !== undefined) h.add('access-control-allow-origin', origin);
    if (c.allowCredentials) h.add('access-control-allow-credentials', 'true');
    if (c.allowMethods !== undefined && c.allowMethods !== '')
      h.add('access-control-allow-methods', c.allowMethods === '*' ? requestMethod : c.allowMethods);
    if (c.allowHeaders !== undefined && c.allowHeaders !== '') {
      const asked = request.headers.get('access-control-request-headers');
      const value = c.allowHeaders === '*' ? asked : c.allowHeaders;
      if (value !== undefined && value !== '') h.add('access-control-allow-headers', value);
    }
    if (c.maxAge !== undefined) h.add('access-control-max-age', c.maxAge);
    if (
      c.allowPrivateNetworkAccess &&
      request.headers.get('access-control-request-private-network') === 'true'
    )
      h.add('access-control-allow-private-network', 'true');
    return h;
  }
}

registerHttpFilter({
  name: NAME,
  validate(config) {
    // The listener-level Cors message has no fields; anything else here is a CorsPolicy.
    const o = config as Record<string, unknown> | undefined;
    if (o?.['@type'] === FILTER_TYPE) {
      const extra = Object.keys(o).filter((k) => k !== '@type');
      return extra.map((k) => `cors: '${k}' is not supported`);
    }
    const c = compileCors(config);
    return c.ok ? [] : c.errors;
  },
  forRoute(_listenerConfig, route) {
    let raw: unknown;
    for (const n of ALIASES) if (route.perFilterConfig[n] !== undefined) raw = route.perFilterConfig[n];
    // Only routes with a CorsPolicy get the filter; validate() refused policies that do not compile.
    if (raw === undefined) return undefined;
    const compiled = compileCors(raw);
    return compiled.ok ? new CorsFilter(compiled.cors) : undefined;
  },
});

// Answers a stream gives itself (Envoy's sendLocalReply on an active stream): the router's local
// decisions (no route, direct response, redirect, unknown cluster) and every error the proxy
// answers for (503 upstream failures, 504 timeouts, 408, 400). The bytes are local-reply.ts's.
import { Buffer } from 'node:buffer';
import { HeaderMap } from '../headers/index.ts';
import { ResponseFlag } from '../observe/index.ts';
import type { RouteDecision } from '../router/index.ts';
import type { HcmStats } from './hcm-config.ts';
import { buildLocalReply } from './local-reply.ts';
import type { ExchangeOwner } from './stream-types.ts';

/** The stream as a local reply ends it. */
export interface ReplyingStream extends ExchangeOwner {
  readonly done: boolean;
  /** Stops the upstream side (attempt, retry timers) before answering. */
  abandonUpstream(): void;
}

/** A local answer. After a response started, the stream is reset instead. */
export function sendStreamLocalReply(
  stream: ReplyingStream,
  status: number,
  body: string,
  details: string,
  responseFlags: number,
  extra: HeaderMap | undefined,
): void {
  if (stream.done) return;
  if (stream.responseStarted) {
    stream.reset(responseFlags);
    return;
  }
  stream.abandonUpstream();
  const info = stream.info;
  info.responseFlags |= responseFlags;
  info.responseCodeDetails = details;
  const conn = stream.conn;
  const close = !stream.head.keepAlive || !stream.requestEnded || conn.closeAfterResponse;
  if (close) conn.closeAfterResponse = true;
  let headers = extra;
  const decision = stream.decision;
  if (stream.route && decision && decision.kind !== 'no_route') {
    headers ??= new HeaderMap();
    stream.route.applyToResponse(headers, stream, decision, stream.formatContext());
  }
  const text = buildLocalReply(
    status,
    body,
    conn.hcm.config.serverName,
    close,
    headers,
    stream.method === 'HEAD',
  );
  stream.responseStarted = true;
  stream.recordResponseCode(status);
  info.bytesSent += Buffer.byteLength(body);
  if (conn.socket.writable) conn.socket.write(text, 'utf8');
  stream.complete();
}

/** downstream_rq_<n>xx (HCM and listener scopes) and the status for the access log. */
export function recordResponseCode(stream: ExchangeOwner, status: number): void {
  stream.info.responseCode = status;
  countResponseClass(stream.conn.hcm.stats, status);
}

/** downstream_rq_<n>xx in the HCM's and the listener's scopes (a 100 Continue counts too). */
export function countResponseClass(s: HcmStats, status: number): void {
  const cls = (status / 100) | 0;
  if (cls < 1 || cls > 5) return;
  s.downstreamRqByClass[cls - 1]!.inc();
  const l = s.listenerRqByClass;
  if (l !== undefined) l[cls - 1]!.inc();
}

/** Answers a decision the router makes without an upstream; false for a cluster decision. */
export function answerLocalDecision(stream: ReplyingStream, decision: RouteDecision): boolean {
  const s = stream.conn.hcm.stats;
  switch (decision.kind) {
    case 'no_route':
      s.noRoute.inc();
      stream.sendLocalReply(404, '', 'route_not_found', ResponseFlag.NoRouteFound);
      return true;
    case 'direct_response':
      s.rqDirectResponse.inc();
      stream.sendLocalReply(decision.status, decision.body ?? '', 'direct_response', 0);
      return true;
    case 'redirect': {
      s.rqRedirect.inc();
      const extra = new HeaderMap();
      extra.add('location', decision.location);
      stream.sendLocalReply(decision.status, '', 'via_redirect', 0, extra);
      return true;
    }
    case 'no_cluster':
      s.noCluster.inc();
      stream.sendLocalReply(503, '', 'cluster_not_found', ResponseFlag.NoClusterFound);
      return true;
    case 'cluster':
      return false;
  }
}

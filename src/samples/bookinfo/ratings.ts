// Bookinfo's ratings service. Only v1 behaviour (fixed ratings); the database-backed v2 variants are
// out of scope and answer as v1. The failure modes Istio's image offers through SERVICE_VERSION
// (v-faulty, v-delayed, v-unavailable, v-unhealthy) are kept because resilience demos use them.
import type { Server } from 'node:http';
import { type Env, type Handler, requestPath, sendJson, serveHttp, serviceVersion } from '../common/index.ts';

export function ratingsBody(id: number): { id: number; ratings: Record<string, number> } {
  return { id, ratings: { Reviewer1: 5, Reviewer2: 4 } };
}

const unhealthyForMs = 15 * 60 * 1000;

export function ratingsHandler(env: Env): Handler {
  const version = serviceVersion(env);
  const started = Date.now();
  return (req, res) => {
    const { pathname } = requestPath(req);
    if (pathname === '/health') {
      if (version === 'v-unhealthy' && Date.now() - started < unhealthyForMs) {
        return sendJson(res, 500, { status: 'Ratings is not healthy' });
      }
      return sendJson(res, 200, { status: 'Ratings is healthy' });
    }
    const m = /^\/ratings\/([^/]*)$/.exec(pathname);
    if (!m || req.method !== 'GET') return sendJson(res, 404, { error: 'unsupported URL' });
    if (!/^-?\d+$/.test(m[1]!)) return sendJson(res, 400, { error: 'please provide numeric product ID' });
    const body = ratingsBody(Number(m[1]));
    const unavailable = () => sendJson(res, 503, { error: 'Service unavailable' });
    if (version === 'v-unavailable' || version === 'v-unhealthy') return unavailable();
    if (version === 'v-faulty' && Math.random() < 0.5) return unavailable();
    if (version === 'v-delayed' && Math.random() < 0.5) {
      const timer = setTimeout(() => sendJson(res, 200, body), 7000);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    sendJson(res, 200, body);
  };
}

export function runRatings(_args: string[], env: Env): Promise<Server> {
  return serveHttp('ratings', ratingsHandler(env), env, 9080);
}

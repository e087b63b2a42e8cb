// Bookinfo's reviews service. v1 shows no stars; v2 (black) and v3 (red) ask ratings for them with a
// single attempt under a version-specific deadline (10 s, 2.5 s) — the fault-injection and timeout
// tasks are built on exactly these numbers.
import type { Server } from 'node:http';
import {
  durationMs,
  type Env,
  forwardHeaders,
  type Handler,
  jsonBody,
  meshRequest,
  podName,
  requestPath,
  sendJson,
  serveHttp,
  serviceVersion,
} from '../common/index.ts';

export type Rating = { stars: number; color: string } | { error: string };

export interface Review {
  reviewer: string;
  text: string;
  rating?: Rating;
}

export interface ReviewsBody {
  id: string;
  podname: string;
  clustername: string;
  reviews: Review[];
}

export const RATINGS_UNAVAILABLE = 'Ratings service is currently unavailable';

const REVIEWS: readonly Review[] = [
  {
    reviewer: 'Reviewer1',
    text: 'An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!',
  },
  {
    reviewer: 'Reviewer2',
    text: 'Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.',
  },
];

interface ReviewsConfig {
  pod: string;
  ratingsEnabled: boolean;
  starColor: string;
  ratingsTimeoutMs: number;
  ratingsUrl: string;
}

function config(env: Env): ReviewsConfig {
  const version = serviceVersion(env);
  const ratingsEnabled = env['ENABLE_RATINGS'] ? env['ENABLE_RATINGS'] === 'true' : version !== 'v1';
  const starColor = env['STAR_COLOR'] || (version === 'v3' ? 'red' : 'black');
  const host =
    (env['RATINGS_HOSTNAME'] || 'ratings') + (env['SERVICES_DOMAIN'] ? `.${env['SERVICES_DOMAIN']}` : '');
  return {
    pod: podName(env, 'reviews'),
    ratingsEnabled,
    starColor,
    ratingsTimeoutMs: durationMs(env, 'REVIEWS_RATINGS_TIMEOUT_MS', version === 'v3' ? 2500 : 10000),
    ratingsUrl: `http://${host}:9080/ratings`,
  };
}

async function fetchRatings(
  cfg: ReviewsConfig,
  id: string,
  headers: Record<string, string>,
  env: Env,
): Promise<Record<string, unknown> | undefined> {
  try {
    const res = await meshRequest(`${cfg.ratingsUrl}/${encodeURIComponent(id)}`, {
      headers,
      timeoutMs: cfg.ratingsTimeoutMs,
      env,
    });
    if (res.status !== 200) return undefined;
    const body = jsonBody(res);
    if (typeof body !== 'object' || body === null) return undefined;
    const ratings = (body as Record<string, unknown>)['ratings'];
    return typeof ratings === 'object' && ratings !== null ? (ratings as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function reviewsHandler(env: Env): Handler {
  const cfg = config(env);
  return async (req, res) => {
    const { pathname } = requestPath(req);
    if (pathname === '/health') return sendJson(res, 200, { status: 'Reviews is healthy' });
    const m = /^\/reviews\/([^/]+)$/.exec(pathname);
    if (!m || req.method !== 'GET') return sendJson(res, 404, { error: 'unsupported URL' });
    const id = decodeURIComponent(m[1]!);
    const body: ReviewsBody = {
      id,
      podname: cfg.pod,
      clustername: 'null',
      reviews: REVIEWS.map((r) => ({ ...r })),
    };
    if (cfg.ratingsEnabled) {
      const ratings = await fetchRatings(cfg, id, forwardHeaders(req.headers), env);
      for (const review of body.reviews) {
        const stars = ratings?.[review.reviewer];
        review.rating =
          typeof stars === 'number' ? { stars, color: cfg.starColor } : { error: RATINGS_UNAVAILABLE };
      }
    }
    sendJson(res, 200, body);
  };
}

export function runReviews(_args: string[], env: Env): Promise<Server> {
  return serveHttp('reviews', reviewsHandler(env), env, 9080);
}

// Bookinfo's productpage: the front end. It renders the book from details and reviews, keeps a login
// session and sends the user as `end-user` so routing rules can match on it. Its upstream deadlines
// (3 s each, reviews attempted twice) are part of what the fault-injection task demonstrates.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  durationMs,
  type Env,
  forwardHeaders,
  type Handler,
  jsonBody,
  meshRequest,
  readBody,
  requestPath,
  send,
  sendJson,
  serveHttp,
} from '../common/index.ts';
import { DETAILS_UNAVAILABLE, PRODUCTS, RATINGS_UNAVAILABLE_PAGE, REVIEWS_UNAVAILABLE } from './catalog.ts';
import { type PageReview, renderIndex, renderProductPage, STYLESHEET, type Upstream } from './page.ts';
import { loginCookie, logoutCookie, sessionUser } from './session.ts';

interface Upstreams {
  details: string;
  reviews: string;
  ratings: string;
  timeoutMs: number;
  env: Env;
}

interface Fetched {
  status: number;
  body: Record<string, unknown>;
}

function serviceUrl(env: Env, name: string): string {
  const host = env[`${name.toUpperCase()}_HOSTNAME`] || name;
  const domain = env['SERVICES_DOMAIN'] ? `.${env['SERVICES_DOMAIN']}` : '';
  return `http://${host}${domain}:9080/${name}`;
}

function upstreams(env: Env): Upstreams {
  return {
    details: serviceUrl(env, 'details'),
    reviews: serviceUrl(env, 'reviews'),
    ratings: serviceUrl(env, 'ratings'),
    timeoutMs: durationMs(env, 'PRODUCTPAGE_TIMEOUT_MS', 3000),
    env,
  };
}

/** `attempts` tries; the first 200 with a JSON object wins, anything else (5xx, timeout) fails. */
async function fetchJson(
  up: Upstreams,
  url: string,
  headers: Record<string, string>,
  attempts: number,
  error: string,
): Promise<Fetched> {
  let status = 500;
  for (let i = 0; i < attempts; i++) {
    try {
      const res = await meshRequest(url, { headers, timeoutMs: up.timeoutMs, env: up.env });
      const body = jsonBody(res);
      if (res.status === 200 && typeof body === 'object' && body !== null) {
        return { status: 200, body: body as Record<string, unknown> };
      }
      status = res.status || 500;
    } catch {
      status = 500;
    }
  }
  return { status, body: { error } };
}

const getDetails = (up: Upstreams, id: number, h: Record<string, string>) =>
  fetchJson(up, `${up.details}/${id}`, h, 1, DETAILS_UNAVAILABLE);
const getReviews = (up: Upstreams, id: number, h: Record<string, string>) =>
  fetchJson(up, `${up.reviews}/${id}`, h, 2, REVIEWS_UNAVAILABLE);
const getRatings = (up: Upstreams, id: number, h: Record<string, string>) =>
  fetchJson(up, `${up.ratings}/${id}`, h, 1, RATINGS_UNAVAILABLE_PAGE);

/** What productpage sends upstream: the propagated headers, and the session's user as end-user. */
export function upstreamHeaders(req: IncomingMessage): Record<string, string> {
  const headers = forwardHeaders(req.headers);
  delete headers['end-user'];
  const user = sessionUser(req.headers.cookie);
  if (user) headers['end-user'] = user;
  return headers;
}

function asUpstream<T>(f: Fetched): Upstream<T> {
  if (f.status === 200) return { ok: true, value: f.body as T };
  return { ok: false, error: String(f.body['error']) };
}

async function productPage(up: Upstreams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const product = PRODUCTS[0]!;
  const headers = upstreamHeaders(req);
  const [details, reviews] = await Promise.all([
    getDetails(up, product.id, headers),
    getReviews(up, product.id, headers),
  ]);
  const reviewsValue = asUpstream<{ podname?: string; reviews: PageReview[] }>(reviews);
  if (reviewsValue.ok && !Array.isArray(reviewsValue.value.reviews)) reviewsValue.value.reviews = [];
  const html = renderProductPage({
    product,
    user: sessionUser(req.headers.cookie),
    details: asUpstream(details),
    reviews: reviewsValue,
  });
  send(res, 200, 'text/html; charset=utf-8', html);
}

function redirect(res: ServerResponse, cookie: string): void {
  res.writeHead(302, { location: '/productpage', 'set-cookie': cookie, 'content-length': 0 });
  res.end();
}

async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const form = new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8'));
  const user = form.get('username') ?? '';
  redirect(res, user ? loginCookie(user) : logoutCookie());
}

async function api(
  up: Upstreams,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<void> {
  if (pathname === '/api/v1/products') return sendJson(res, 200, PRODUCTS);
  const m = /^\/api\/v1\/products\/(-?\d+)(?:\/(reviews|ratings))?$/.exec(pathname);
  if (!m) return sendJson(res, 404, { error: 'unsupported URL' });
  const id = Number(m[1]);
  const headers = upstreamHeaders(req);
  const fetched =
    m[2] === 'reviews'
      ? await getReviews(up, id, headers)
      : m[2] === 'ratings'
        ? await getRatings(up, id, headers)
        : await getDetails(up, id, headers);
  sendJson(res, fetched.status, fetched.body);
}

export function productpageHandler(env: Env): Handler {
  const up = upstreams(env);
  return async (req, res) => {
    const { pathname } = requestPath(req);
    const method = req.method ?? 'GET';
    if (pathname === '/health') return send(res, 200, 'text/plain; charset=utf-8', 'Product page is healthy');
    if (pathname === '/' || pathname === '/index.html')
      return send(res, 200, 'text/html; charset=utf-8', renderIndex());
    if (pathname === '/productpage') return productPage(up, req, res);
    if (pathname === '/login' && method === 'POST') return login(req, res);
    if (pathname === '/logout') return redirect(res, logoutCookie());
    if (pathname.startsWith('/api/v1/products')) return api(up, req, res, pathname);
    if (pathname.startsWith('/static/') && pathname.endsWith('.css')) {
      return send(res, 200, 'text/css; charset=utf-8', STYLESHEET);
    }
    send(res, 404, 'text/plain; charset=utf-8', 'Not Found\n');
  };
}

export function runProductpage(_args: string[], env: Env): Promise<Server> {
  return serveHttp('productpage', productpageHandler(env), env, 9080);
}

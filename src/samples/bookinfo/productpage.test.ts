// productpage against real details/reviews/ratings processes (direct, no proxy: the
// <NAME>_SERVICE_HOST/PORT fallback), plus fake upstreams for failures and header propagation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AppProcess, call, type FakeUpstream, startApp, startUpstream } from '../test-support.ts';

const upstreamEnv = (name: string, port: number): Record<string, string> => ({
  [`${name.toUpperCase()}_SERVICE_HOST`]: '127.0.0.1',
  [`${name.toUpperCase()}_SERVICE_PORT`]: String(port),
});

describe('productpage', () => {
  const procs: AppProcess[] = [];
  const fakes: FakeUpstream[] = [];
  let details: AppProcess;
  let ratings: AppProcess;
  let reviews: AppProcess;
  let page: AppProcess;
  let capture: FakeUpstream;
  let tracedReviews: AppProcess;

  const start = async (app: string, env: Record<string, string>): Promise<AppProcess> => {
    const p = await startApp(app, [], env);
    procs.push(p);
    return p;
  };

  before(async () => {
    capture = await startUpstream((_req, res) => res.end('{"id":0,"ratings":{"Reviewer1":3,"Reviewer2":2}}'));
    fakes.push(capture);
    [details, ratings] = await Promise.all([start('details', {}), start('ratings', {})]);
    [reviews, tracedReviews] = await Promise.all([
      start('reviews', {
        SERVICE_VERSION: 'v2',
        POD_NAME: 'reviews-v2-5b9c7',
        ...upstreamEnv('ratings', ratings.port),
      }),
      start('reviews', { SERVICE_VERSION: 'v2', ...upstreamEnv('ratings', capture.port) }),
    ]);
    page = await start('productpage', {
      ...upstreamEnv('details', details.port),
      ...upstreamEnv('reviews', reviews.port),
      ...upstreamEnv('ratings', ratings.port),
    });
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await Promise.all(fakes.map((f) => f.close()));
  });

  test('renders the book, its details and black-star reviews from v2', async () => {
    const res = await call(page.port, '/productpage');
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'] ?? '', /text\/html/);
    assert.match(res.text, /<title>Simple Bookstore App<\/title>/);
    assert.match(res.text, /The Comedy of Errors/);
    assert.match(res.text, /William Shakespeare/);
    assert.match(res.text, /1234567890/);
    assert.match(res.text, /paperback/);
    assert.match(res.text, /Reviewer1/);
    assert.match(res.text, /The slapstick humour is refreshing!/);
    assert.match(res.text, /reviews-v2-5b9c7/);
    assert.equal(res.text.match(/color="black"/g)?.length, 2);
    assert.equal(res.text.match(/glyphicon glyphicon-star"/g)?.length, 9);
    assert.doesNotMatch(res.text, /color="red"/);
    assert.doesNotMatch(res.text, /Sorry/);
  });

  test('login sets a session cookie; the user is shown; logout clears it', async () => {
    const login = await call(page.port, '/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=jason&passwd=',
    });
    assert.equal(login.status, 302);
    const cookie = String(login.headers['set-cookie']?.[0] ?? '');
    assert.match(cookie, /^session=[^;]+/);
    const session = cookie.split(';')[0]!;
    const res = await call(page.port, '/productpage', { headers: { cookie: session } });
    assert.match(res.text, /jason/);
    const logout = await call(page.port, '/logout', { headers: { cookie: session } });
    assert.equal(logout.status, 302);
    assert.match(String(logout.headers['set-cookie']?.[0]), /^session=;/);
    assert.doesNotMatch((await call(page.port, '/productpage')).text, /jason/);
  });

  test('end-user and tracing headers reach ratings through reviews', async () => {
    const traced = await start('productpage', {
      ...upstreamEnv('details', details.port),
      ...upstreamEnv('reviews', tracedReviews.port),
    });
    const login = await call(traced.port, '/login', {
      method: 'POST',
      body: 'username=jason',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const session = String(login.headers['set-cookie']?.[0]).split(';')[0]!;
    const res = await call(traced.port, '/productpage', {
      headers: {
        cookie: session,
        'x-request-id': 'rid-42',
        'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
        'x-b3-spanid': 'e457b5a2e4d86bd1',
        'x-b3-sampled': '1',
        b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1',
        'user-agent': 'test-agent/1',
      },
    });
    assert.equal(res.text.match(/color="black"/g)?.length, 2);
    const seen = capture.seen.at(-1)!;
    assert.equal(seen.url, '/ratings/0');
    assert.equal(seen.headers['end-user'], 'jason');
    assert.equal(seen.headers['x-request-id'], 'rid-42');
    assert.equal(seen.headers['x-b3-traceid'], '80f198ee56343ba864fe8b2a57d3eff7');
    assert.equal(seen.headers['x-b3-sampled'], '1');
    assert.equal(seen.headers['b3'], '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1');
    assert.equal(seen.headers['user-agent'], 'test-agent/1');
  });

  test('reviews failing twice and details down show the two apologies', async () => {
    const failing = await startUpstream((_req, res) => {
      res.statusCode = 503;
      res.end('upstream connect error');
    });
    fakes.push(failing);
    const closed = await startUpstream();
    await closed.close();
    const broken = await start('productpage', {
      ...upstreamEnv('details', closed.port),
      ...upstreamEnv('reviews', failing.port),
    });
    const res = await call(broken.port, '/productpage');
    assert.equal(res.status, 200);
    assert.match(res.text, /Sorry, product reviews are currently unavailable for this book\./);
    assert.match(res.text, /Sorry, product details are currently unavailable for this book\./);
    assert.equal(failing.seen.length, 2, 'reviews is attempted twice');
    assert.equal(failing.seen[0]!.headers['host'], 'reviews:9080');
    const api = await call(broken.port, '/api/v1/products/0/reviews');
    assert.equal(api.status, 503);
    assert.deepEqual(JSON.parse(api.text), {
      error: 'Sorry, product reviews are currently unavailable for this book.',
    });
  });

  test('ratings stopped: the page shows the reviews with the ratings apology', async () => {
    const closed = await startUpstream();
    await closed.close();
    const noRatings = await start('reviews', {
      SERVICE_VERSION: 'v3',
      ...upstreamEnv('ratings', closed.port),
    });
    const p = await start('productpage', {
      ...upstreamEnv('details', details.port),
      ...upstreamEnv('reviews', noRatings.port),
    });
    const res = await call(p.port, '/productpage');
    assert.equal(res.text.match(/Ratings service is currently unavailable/g)?.length, 2);
    assert.match(res.text, /Reviewer2/);
    assert.doesNotMatch(res.text, /color="red"/);
  });

  test('a reviews answer later than the deadline counts as a failure, per attempt', async () => {
    const hanging = await startUpstream(() => {});
    fakes.push(hanging);
    const slow = await start('productpage', {
      ...upstreamEnv('details', details.port),
      ...upstreamEnv('reviews', hanging.port),
      PRODUCTPAGE_TIMEOUT_MS: '150',
    });
    const t0 = Date.now();
    const res = await call(slow.port, '/productpage');
    const elapsed = Date.now() - t0;
    assert.match(res.text, /Sorry, product reviews are currently unavailable for this book\./);
    assert.doesNotMatch(res.text, /product details are currently unavailable/);
    assert.equal(hanging.seen.length, 2);
    assert.ok(elapsed >= 280 && elapsed < 3000, `elapsed ${elapsed}`);
  });

  test('health, index, static and the JSON API', async () => {
    const health = await call(page.port, '/health');
    assert.equal(health.status, 200);
    assert.equal(health.text, 'Product page is healthy');
    assert.equal((await call(page.port, '/')).status, 200);
    const css = await call(page.port, '/static/css/style.css');
    assert.equal(css.status, 200);
    assert.match(css.headers['content-type'] ?? '', /text\/css/);
    const products = JSON.parse((await call(page.port, '/api/v1/products')).text);
    assert.equal(products[0].id, 0);
    assert.equal(products[0].title, 'The Comedy of Errors');
    const d = JSON.parse((await call(page.port, '/api/v1/products/0')).text);
    assert.equal(d.author, 'William Shakespeare');
    const r = JSON.parse((await call(page.port, '/api/v1/products/0/reviews')).text);
    assert.equal(r.podname, 'reviews-v2-5b9c7');
    assert.equal(r.reviews.length, 2);
    const rt = JSON.parse((await call(page.port, '/api/v1/products/0/ratings')).text);
    assert.deepEqual(rt, { id: 0, ratings: { Reviewer1: 5, Reviewer2: 4 } });
    assert.equal((await call(page.port, '/nope')).status, 404);
  });
});

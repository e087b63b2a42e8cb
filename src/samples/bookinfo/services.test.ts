// details, ratings and reviews as real processes: exact JSON, stars per version, ratings failure.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AppProcess, call, startApp, startUpstream } from '../test-support.ts';

const TEXT1 = 'An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!';
const TEXT2 =
  'Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.';

describe('details, ratings, reviews', () => {
  let details: AppProcess;
  let ratings: AppProcess;
  const started: AppProcess[] = [];
  before(async () => {
    [details, ratings] = await Promise.all([startApp('details'), startApp('ratings')]);
    started.push(details, ratings);
  });
  after(async () => {
    await Promise.all(started.map((p) => p.stop()));
  });

  const reviews = async (version: string, env: Record<string, string> = {}): Promise<AppProcess> => {
    const p = await startApp('reviews', [], {
      SERVICE_VERSION: version,
      POD_NAME: `reviews-${version}-abc12`,
      RATINGS_SERVICE_HOST: '127.0.0.1',
      RATINGS_SERVICE_PORT: String(ratings.port),
      ...env,
    });
    started.push(p);
    return p;
  };

  test('details answers the book facts', async () => {
    const res = await call(details.port, '/details/0');
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.text), {
      id: 0,
      author: 'William Shakespeare',
      year: 1595,
      type: 'paperback',
      pages: 200,
      publisher: 'PublisherA',
      language: 'English',
      'ISBN-10': '1234567890',
      'ISBN-13': '123-1234567890',
    });
    assert.equal((await call(details.port, '/details/x')).status, 400);
    assert.equal((await call(details.port, '/health')).status, 200);
  });

  test('ratings answers fixed ratings', async () => {
    const res = await call(ratings.port, '/ratings/0');
    assert.equal(res.status, 200);
    assert.equal(res.text, '{"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}');
    assert.equal((await call(ratings.port, '/health')).status, 200);
  });

  test('reviews v1 has no ratings', async () => {
    const v1 = await reviews('v1');
    const body = JSON.parse((await call(v1.port, '/reviews/0')).text);
    assert.deepEqual(body, {
      id: '0',
      podname: 'reviews-v1-abc12',
      clustername: 'null',
      reviews: [
        { reviewer: 'Reviewer1', text: TEXT1 },
        { reviewer: 'Reviewer2', text: TEXT2 },
      ],
    });
  });

  test('reviews v2 shows black stars, v3 red', async () => {
    const [v2, v3] = await Promise.all([reviews('v2'), reviews('v3')]);
    const b2 = JSON.parse((await call(v2.port, '/reviews/0')).text);
    assert.deepEqual(
      b2.reviews.map((r: { rating: unknown }) => r.rating),
      [
        { stars: 5, color: 'black' },
        { stars: 4, color: 'black' },
      ],
    );
    const b3 = JSON.parse((await call(v3.port, '/reviews/0')).text);
    assert.deepEqual(b3.reviews[0].rating, { stars: 5, color: 'red' });
    assert.equal(b3.podname, 'reviews-v3-abc12');
  });

  test('reviews v2 without ratings says the ratings service is unavailable', async () => {
    const gone = await startUpstream();
    const port = gone.port;
    await gone.close();
    const v2 = await reviews('v2', { RATINGS_SERVICE_PORT: String(port) });
    const body = JSON.parse((await call(v2.port, '/reviews/0')).text);
    for (const r of body.reviews)
      assert.deepEqual(r.rating, { error: 'Ratings service is currently unavailable' });
  });

  test('reviews v3 gives up on ratings at its deadline and forwards tracing headers and end-user', async (t) => {
    const slow = await startUpstream((_req, res) => {
      const timer = setTimeout(() => res.end('{"ratings":{"Reviewer1":1}}'), 5000);
      res.on('close', () => clearTimeout(timer));
    });
    t.after(() => slow.close());
    const v3 = await reviews('v3', {
      RATINGS_SERVICE_PORT: String(slow.port),
      REVIEWS_RATINGS_TIMEOUT_MS: '200',
    });
    const headers = {
      'end-user': 'jason',
      'x-request-id': 'req-1',
      'x-b3-traceid': 'abc',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'x-unrelated': 'no',
    };
    const t0 = Date.now();
    const body = JSON.parse((await call(v3.port, '/reviews/0', { headers })).text);
    assert.ok(Date.now() - t0 < 3000);
    assert.deepEqual(body.reviews[1].rating, { error: 'Ratings service is currently unavailable' });
    const seen = slow.seen[0]!;
    assert.equal(seen.url, '/ratings/0');
    assert.equal(seen.headers['host'], 'ratings:9080');
    assert.equal(seen.headers['end-user'], 'jason');
    assert.equal(seen.headers['x-request-id'], 'req-1');
    assert.equal(seen.headers['x-b3-traceid'], 'abc');
    assert.equal(seen.headers['traceparent'], headers.traceparent);
    assert.equal(seen.headers['x-unrelated'], undefined);
  });
});

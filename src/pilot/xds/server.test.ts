// The ADS server driven by a raw gRPC client that speaks the protocol by hand, the way Envoy does.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  ADS_STREAM_METHOD_PATH,
  anyToJson,
  CLUSTER_TYPE,
  type DiscoveryRequest,
  type DiscoveryResponse,
  decodeDiscoveryResponse,
  encodeDiscoveryRequest,
  type JsonObject,
  ROUTE_TYPE,
} from '../../xds/index.ts';
import { AdsServer } from './index.ts';

const NODE = {
  id: 'sidecar~127.0.0.1~productpage-v1-1.default~default.svc.cluster.local',
  cluster: 'productpage.default',
  metadata: { NAMESPACE: 'default', LABELS: { app: 'productpage' } },
};

/** A hand-driven ADS stream: send requests, await responses one at a time (each wait is bounded). */
class RawAdsStream {
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
  private readonly queue: DiscoveryResponse[] = [];
  private waiter: ((r: DiscoveryResponse | Error) => void) | undefined;
  error: grpc.ServiceError | undefined;

  constructor(port: number) {
    this.client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    this.call = this.client.makeBidiStreamRequest(
      ADS_STREAM_METHOD_PATH,
      encodeDiscoveryRequest,
      decodeDiscoveryResponse,
    );
    this.call.on('data', (r: DiscoveryResponse) => {
      if (this.waiter) this.waiter(r);
      else this.queue.push(r);
    });
    this.call.on('error', (err: grpc.ServiceError) => {
      this.error = err;
      this.waiter?.(err);
    });
  }

  send(request: DiscoveryRequest): void {
    this.call.write(request);
  }

  next(timeoutMs = 2000): Promise<DiscoveryResponse> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error('no response within timeout'));
      }, timeoutMs);
      this.waiter = (r) => {
        clearTimeout(timer);
        this.waiter = undefined;
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
    });
  }

  /** Resolves true if nothing arrives for `ms`. */
  async silentFor(ms: number): Promise<boolean> {
    try {
      await this.next(ms);
      return false;
    } catch {
      return true;
    }
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

function names(response: DiscoveryResponse): string[] {
  return response.resources.map((r) => {
    const json = anyToJson(r);
    assert.ok(json.ok);
    return String(json.value['name'] ?? json.value['cluster_name']);
  });
}

async function start(t: TestContext, clusters: () => JsonObject[], routes: () => JsonObject[]) {
  const server = new AdsServer();
  server.register(CLUSTER_TYPE, () => ({ resources: clusters() }));
  server.register(ROUTE_TYPE, () => ({ resources: routes() }));
  const port = await server.listen('127.0.0.1:0');
  t.after(() => server.close());
  const stream = new RawAdsStream(port);
  t.after(() => stream.close());
  return { server, stream };
}

const cluster = (name: string, timeout = '1s'): JsonObject => ({
  '@type': CLUSTER_TYPE,
  name,
  type: 'STATIC',
  connect_timeout: timeout,
});
const route = (name: string): JsonObject => ({ '@type': ROUTE_TYPE, name, virtual_hosts: [] });

test('wildcard CDS, named RDS, ACK and NACK as Envoy speaks them', async (t) => {
  const { server, stream } = await start(
    t,
    () => [cluster('a'), cluster('b')],
    () => [route('80'), route('9080')],
  );
  stream.send({ node: NODE, type_url: CLUSTER_TYPE });
  const cds = await stream.next();
  assert.equal(cds.type_url, CLUSTER_TYPE);
  assert.deepEqual(names(cds), ['a', 'b']);
  assert.ok(cds.nonce && cds.version_info);

  let status = server.status();
  assert.equal(status.length, 1);
  assert.equal(status[0]!.node.name, 'productpage-v1-1');
  // Sent, never acknowledged: istioctl proxy-status's 'STALE (Never Acknowledged)'.
  assert.equal(status[0]!.types.find((s) => s.type === 'CDS')!.status, 'STALE (Never Acknowledged)');
  assert.equal(status[0]!.types.find((s) => s.type === 'LDS')!.status, 'NOT SENT');

  stream.send({ type_url: CLUSTER_TYPE, version_info: cds.version_info, response_nonce: cds.nonce });
  stream.send({ type_url: ROUTE_TYPE, resource_names: ['9080'] });
  const rds = await stream.next();
  assert.deepEqual(names(rds), ['9080'], 'only the subscribed route');
  status = server.status();
  assert.equal(status[0]!.types.find((s) => s.type === 'CDS')!.status, 'SYNCED');

  stream.send({
    type_url: ROUTE_TYPE,
    version_info: '',
    response_nonce: rds.nonce,
    resource_names: ['9080'],
    error_detail: { code: 3, message: 'RouteConfiguration 9080: virtual_hosts[0]: bad regex' },
  });
  // An answer to an old nonce is ignored; the subscription change in a fresh ACK pushes at once.
  stream.send({ type_url: CLUSTER_TYPE, version_info: 'x', response_nonce: 'expired' });
  stream.send({
    type_url: ROUTE_TYPE,
    version_info: '',
    response_nonce: rds.nonce,
    resource_names: ['80', '9080'],
  });
  const rds2 = await stream.next();
  assert.deepEqual(names(rds2), ['80', '9080']);

  status = server.status();
  const rdsStatus = status[0]!.types.find((s) => s.type === 'RDS')!;
  assert.equal(rdsStatus.status, 'STALE');
  assert.equal(rdsStatus.lastNack?.message, 'RouteConfiguration 9080: virtual_hosts[0]: bad regex');
  assert.equal(rdsStatus.lastNack?.nonce, rds.nonce);
  assert.deepEqual(rdsStatus.resourceNames, ['80', '9080']);
  assert.equal(status[0]!.types.find((s) => s.type === 'CDS')!.versionAcked, cds.version_info);
});

test('a change pushes at once, only to the proxies it concerns and only what changed for them', async (t) => {
  let timeout = '1s';
  let routeNames = ['80'];
  const { server, stream } = await start(
    t,
    () => [cluster('a', timeout)],
    () => routeNames.map(route),
  );
  stream.send({ node: NODE, type_url: CLUSTER_TYPE });
  const first = await stream.next();
  stream.send({ type_url: CLUSTER_TYPE, version_info: first.version_info, response_nonce: first.nonce });

  server.configChanged();
  assert.ok(await stream.silentFor(150), 'unchanged output is not pushed');
  routeNames = ['80', '81'];
  server.configChanged();
  assert.ok(await stream.silentFor(150), 'a change to a type the proxy does not watch is not pushed');

  timeout = '2s';
  server.configChanged(() => false);
  assert.ok(await stream.silentFor(150), 'a change scoped to other proxies is not pushed');
  server.configChanged((p) => p.node.namespace === 'default');
  const pushed = await stream.next();
  const json = anyToJson(pushed.resources[0]!);
  assert.ok(json.ok);
  assert.equal(json.value['connect_timeout'], '2s');
  assert.notEqual(pushed.version_info, first.version_info);
  stream.send({ type_url: CLUSTER_TYPE, version_info: pushed.version_info, response_nonce: pushed.nonce });
  await waitFor(() => server.status()[0]!.types[0]!.status === 'SYNCED');
  assert.equal(server.status()[0]!.types[0]!.responsesSent, 2);
});

test('a stream without a valid node is refused with INVALID_ARGUMENT', async (t) => {
  const { server, stream } = await start(
    t,
    () => [],
    () => [],
  );
  stream.send({ node: { id: 'nonsense' }, type_url: CLUSTER_TYPE });
  await assert.rejects(stream.next(), (err: grpc.ServiceError) => {
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
    assert.match(err.details, /node id "nonsense"/);
    return true;
  });
  assert.equal(server.status().length, 0);
});

test('a generator that builds an invalid resource is reported, not sent', async (t) => {
  const { server, stream } = await start(
    t,
    () => [{ '@type': CLUSTER_TYPE, name: 'a', lb_policy: 'NOPE' }],
    () => [],
  );
  stream.send({ node: NODE, type_url: CLUSTER_TYPE });
  assert.ok(await stream.silentFor(100));
  const cds = server.status()[0]!.types.find((s) => s.type === 'CDS')!;
  assert.equal(cds.status, 'NOT SENT');
  assert.match(cds.generateError ?? '', /cluster.v3.Cluster a: lb_policy: unknown value "NOPE"/);
});

test('a closed stream disappears from the status', async (t) => {
  const { server, stream } = await start(
    t,
    () => [],
    () => [],
  );
  stream.send({ node: NODE, type_url: CLUSTER_TYPE });
  await stream.next();
  assert.equal(server.status().length, 1);
  stream.close();
  await waitFor(() => server.status().length === 0);
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

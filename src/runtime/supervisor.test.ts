// The supervisor with real processes: a port taken by someone else between allocation and bind
// (the race local mode cannot close, only repair) still ends in a ready mesh, and a pod with two
// containers runs both behind one sidecar. Pilot runs in this process; pods are child processes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { ConfigStore } from '../config/index.ts';
import { PortAllocator } from './ports.ts';
import { Supervisor } from './supervisor.ts';

const DETAILS = `
apiVersion: v1
kind: Service
metadata: { name: details, labels: { app: details } }
spec:
  selector: { app: details }
  ports: [{ name: http, port: 9080 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: details-v1 }
spec:
  selector: { matchLabels: { app: details, version: v1 } }
  template:
    metadata: { labels: { app: details, version: v1 } }
    spec:
      containers:
        - name: details
          image: registry.istio.io/release/examples-bookinfo-details-v1:1.20.3
          ports: [{ containerPort: 9080 }]
`;

const TWO_CONTAINERS = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: duo }
spec:
  selector: { matchLabels: { app: duo } }
  template:
    metadata: { labels: { app: duo, version: v1 } }
    spec:
      initContainers: [{ name: migrate, image: example.com/migrate:1 }]
      containers:
        - name: details
          image: registry.istio.io/release/examples-bookinfo-details-v1:1.20.3
          ports: [{ containerPort: 9080 }]
        - name: httpbin
          image: docker.io/mccutchen/go-httpbin:v2.15.0
          ports: [{ containerPort: 8080 }]
`;

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer((c) => c.destroy());
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

/** An allocator that lets another process take the ports it hands out as call number `calls`. */
class RacyAllocator extends PortAllocator {
  readonly taken: number[] = [];
  readonly servers: Server[] = [];
  private count = 0;
  private readonly calls: Set<number>;
  constructor(calls: number[]) {
    super();
    this.calls = new Set(calls);
  }
  override async port(): Promise<number> {
    const p = await super.port();
    if (this.calls.has(++this.count)) {
      // Right after the free check and before any child binds it: the window of the real race.
      this.servers.push(await occupy(p));
      this.taken.push(p);
    }
    return p;
  }
}

async function startMesh(t: TestContext, yaml: string, ports?: PortAllocator) {
  const stateDir = mkdtempSync(join(tmpdir(), 'weft-supervisor-'));
  const events: string[] = [];
  const gw = new PortAllocator();
  const gatewayPorts = { http: await gw.port(), https: await gw.port(), tcp: await gw.port() };
  gw.close();
  const sup = new Supervisor({
    stateDir,
    gatewayPorts,
    graceMs: 1000,
    onEvent: (l) => events.push(l),
    ...(ports ? { ports } : {}),
  });
  t.after(async () => {
    await sup.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });
  await sup.startPilot();
  await sup.apply(yaml, 'test.yaml');
  await sup.run();
  const deadline = Date.now() + 45_000;
  while (sup.state.phase !== 'ready' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(sup.state.phase, 'ready', `mesh ready; events:\n${events.join('\n')}`);
  return { sup, events };
}

test('a pod whose app and inbound ports are taken before its processes bind gets new ones', async (t) => {
  // Call 1 is the gateway's admin port; the pod then asks for app (2), inbound (3), proxy, admin.
  const racy = new RacyAllocator([2, 3]);
  t.after(() => {
    for (const s of racy.servers) s.close();
  });
  const { sup, events } = await startMesh(t, DETAILS, racy);
  assert.equal(racy.taken.length, 2);
  const pod = sup.state.pods[0]!;
  const used = pod.ports.flatMap((p) => [p.app, p.inbound]);
  for (const p of racy.taken) assert.ok(!used.includes(p), `port ${p} no longer used: ${used}`);
  assert.ok(
    events.some((e) => /EADDRINUSE/.test(e)),
    events.join('\n'),
  );
  const res = await fetch(`http://127.0.0.1:${pod.ports[0]!.inbound}/details/0`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /William Shakespeare/);
});

test('every container of a pod runs on its own ports behind the sidecar; initContainers warn', async (t) => {
  const { sup, events } = await startMesh(t, TWO_CONTAINERS);
  const pod = sup.state.pods[0]!;
  assert.deepEqual(Object.keys(pod.containers).sort(), ['app', 'httpbin', 'proxy']);
  assert.equal(pod.containers.app.name, 'details');
  assert.deepEqual(
    pod.ports.map((p) => [p.container, p.owner]),
    [
      [9080, 'app'],
      [8080, 'httpbin'],
    ],
  );
  const inbound = (c: number) => pod.ports.find((p) => p.container === c)!.inbound;
  assert.equal((await fetch(`http://127.0.0.1:${inbound(9080)}/details/0`)).status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${inbound(8080)}/get`)).status, 200);
  assert.ok(
    events.some((e) => /^warning: .*initContainers \(migrate\) are not supported/.test(e)),
    events.join('\n'),
  );
});

/** An allocator that has no port left after `calls` answers. */
class ExhaustedAllocator extends PortAllocator {
  private left: number;
  constructor(calls: number) {
    super();
    this.left = calls;
  }
  override async port(): Promise<number> {
    if (this.left-- <= 0) throw new Error('no free port');
    return super.port();
  }
}

test('a Deployment applied to a running mesh that cannot get ports is an error event, not a crash', async (t) => {
  // Call 1 is the gateway's admin port; details-v1 needs four more and gets them, the next pod none.
  const { sup, events } = await startMesh(t, DETAILS, new ExhaustedAllocator(5));
  const rejections: unknown[] = [];
  const onRejection = (err: unknown) => rejections.push(err);
  process.on('unhandledRejection', onRejection);
  t.after(() => process.off('unhandledRejection', onRejection));
  await sup.apply(DETAILS.replaceAll('details-v1', 'details-v2').replaceAll('v1 }', 'v2 }'), 'v2.yaml');
  const deadline = Date.now() + 10_000;
  while (!events.some((e) => /no free port/.test(e)) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  assert.ok(
    events.some((e) => /^error: .*no free port/.test(e)),
    events.join('\n'),
  );
  assert.deepEqual(rejections, []);
});

test('after stop() a config change replans nothing (the store watch is removed)', async (t) => {
  const { sup, events } = await startMesh(t, DETAILS);
  const store = (sup as unknown as { pilot: { store: ConfigStore } }).pilot.store;
  const watchers = (store as unknown as { listeners: Set<unknown> }).listeners;
  const before = watchers.size;
  await sup.stop();
  assert.equal(watchers.size, before - 1, "the supervisor's watch is gone");
  const seen = events.length;
  store.update([
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'late', namespace: 'default' } },
      source: { file: 'late.yaml', line: 1 },
    },
  ]);
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(events.slice(seen), []);
  assert.equal(sup.state.phase, 'stopped');
});

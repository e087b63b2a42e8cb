import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigStore, type ResourceInput } from '../config/index.ts';
import { buildRegistry, protocolOf, type WorkloadInstance } from './index.ts';

function res(apiVersion: string, kind: string, body: Record<string, unknown>): ResourceInput {
  return { apiVersion, kind, body: { apiVersion, kind, ...body }, source: { file: 't.yaml', line: 1 } };
}

function bookinfoStore(): ConfigStore {
  const store = new ConfigStore();
  store.update([
    res('v1', 'Service', {
      metadata: { name: 'reviews', labels: { app: 'reviews' } },
      spec: { ports: [{ port: 9080, name: 'http' }], selector: { app: 'reviews' } },
    }),
    res('v1', 'Service', {
      metadata: { name: 'tcp-echo', namespace: 'echo' },
      spec: { ports: [{ port: 9000, name: 'tcp', targetPort: 'echo' }], selector: { app: 'tcp-echo' } },
    }),
    res('v1', 'Pod', {
      metadata: { name: 'reviews-v1-abc', labels: { app: 'reviews', version: 'v1' } },
      spec: { serviceAccountName: 'bookinfo-reviews', containers: [{ ports: [{ containerPort: 9080 }] }] },
      status: { podIP: '10.0.0.5' },
    }),
    res('v1', 'Pod', {
      metadata: { name: 'not-scheduled', labels: { app: 'reviews', version: 'v2' } },
      spec: {},
    }),
    res('v1', 'Pod', {
      metadata: { name: 'echo-1', namespace: 'echo', labels: { app: 'tcp-echo' } },
      spec: { containers: [{ ports: [{ name: 'echo', containerPort: 9100 }] }] },
      status: { podIP: '10.0.1.1' },
    }),
    res('networking.istio.io/v1', 'WorkloadEntry', {
      metadata: { name: 'reviews-vm' },
      spec: { address: '10.0.9.9', labels: { app: 'reviews', version: 'v3' }, ports: { http: 19080 } },
    }),
    res('networking.istio.io/v1', 'ServiceEntry', {
      metadata: { name: 'google' },
      spec: {
        hosts: ['www.google.com'],
        ports: [{ number: 443, name: 'https', protocol: 'HTTPS' }],
        resolution: 'DNS',
        location: 'MESH_EXTERNAL',
      },
    }),
  ]);
  return store;
}

test('a Kubernetes Service becomes an FQDN service with endpoints from Pods and WorkloadEntries', () => {
  const reg = buildRegistry(bookinfoStore().snapshot());
  const svc = reg.services.get('reviews.default.svc.cluster.local');
  assert.ok(svc);
  assert.equal(svc.ports[0]!.protocol, 'HTTP');
  const eps = reg.endpoints('reviews.default.svc.cluster.local', 9080);
  assert.deepEqual(
    eps.map((e) => `${e.workload.name} ${e.address}:${e.port} ${e.workload.labels['version']}`),
    ['reviews-v1-abc 10.0.0.5:9080 v1', 'reviews-vm 10.0.9.9:19080 v3'],
  );
  assert.equal(eps[0]!.workload.serviceAccount, 'bookinfo-reviews');
});

test('named targetPorts resolve through the container port name', () => {
  const reg = buildRegistry(bookinfoStore().snapshot());
  const eps = reg.endpoints('tcp-echo.echo.svc.cluster.local', 9000);
  assert.deepEqual(
    eps.map((e) => `${e.address}:${e.port}`),
    ['10.0.1.1:9100'],
  );
});

test('short names resolve relative to the namespace, as Istio does', () => {
  const reg = buildRegistry(bookinfoStore().snapshot());
  assert.equal(reg.resolve('reviews', 'default')?.hostname, 'reviews.default.svc.cluster.local');
  assert.equal(reg.resolve('reviews.default', 'other')?.hostname, 'reviews.default.svc.cluster.local');
  assert.equal(reg.resolve('reviews.default.svc', 'x')?.hostname, 'reviews.default.svc.cluster.local');
  assert.equal(reg.resolve('reviews', 'other'), undefined);
  assert.equal(reg.resolve('www.google.com', 'default')?.origin, 'ServiceEntry');
});

test('a DNS ServiceEntry without endpoints resolves to its host', () => {
  const reg = buildRegistry(bookinfoStore().snapshot());
  const eps = reg.endpoints('www.google.com', 443);
  assert.deepEqual(
    eps.map((e) => `${e.address}:${e.port}`),
    ['www.google.com:443'],
  );
  assert.equal(reg.services.get('www.google.com')?.location, 'MESH_EXTERNAL');
});

test('runtime workloads are selected by services and their ports remapped', () => {
  const local: WorkloadInstance = {
    name: 'reviews-v2-0',
    namespace: 'default',
    address: '127.0.0.1',
    labels: { app: 'reviews', version: 'v2' },
    serviceAccount: 'bookinfo-reviews',
    namedPorts: {},
    portMap: { 9080: 41234 },
    healthy: true,
    origin: 'Pod',
    locality: '',
    weight: 1,
  };
  const reg = buildRegistry(bookinfoStore().snapshot(), { workloads: [local] });
  const eps = reg.endpoints('reviews.default.svc.cluster.local', 9080);
  assert.ok(eps.some((e) => e.address === '127.0.0.1' && e.port === 41234));
  assert.deepEqual(
    reg.servicesOf(local).map((s) => s.name),
    ['reviews'],
  );
});

test('protocol selection follows port names and appProtocol', () => {
  assert.equal(protocolOf('http'), 'HTTP');
  assert.equal(protocolOf('http-web'), 'HTTP');
  assert.equal(protocolOf('grpc-web'), 'GRPC-WEB');
  assert.equal(protocolOf('grpc'), 'GRPC');
  assert.equal(protocolOf('tcp-echo'), 'TCP');
  assert.equal(protocolOf('https'), 'HTTPS');
  assert.equal(protocolOf('web', 'http'), 'HTTP');
  assert.equal(protocolOf('web', 'kubernetes.io/h2c'), 'HTTP2');
  assert.equal(protocolOf(undefined), 'TCP');
  assert.equal(protocolOf('x', undefined, 'HTTP'), 'HTTP');
});

// Shared builders for the upstream tests (a .test.ts file so it is never shipped; it holds one
// trivial self-check so the runner does not report it as empty).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterConfig, EndpointAssignmentConfig, LbPolicy } from '../config/index.ts';

export function clusterConfig(name: string, over: Partial<ClusterConfig> = {}): ClusterConfig {
  return {
    name,
    discovery: 'EDS',
    edsServiceName: name,
    connectTimeoutMs: 1000,
    lbPolicy: 'ROUND_ROBIN' as LbPolicy,
    ringHash: { minimumRingSize: 1024, maximumRingSize: 8388608 },
    maglev: { tableSize: 65537 },
    leastRequest: { choiceCount: 2 },
    circuitBreakers: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 },
    healthyPanicThreshold: 50,
    upstreamProtocol: 'http1',
    idleTimeoutMs: 3_600_000,
    maxRequestsPerConnection: 0,
    perConnectionBufferLimitBytes: 1 << 20,
    metadata: {},
    ...over,
  };
}

export function assignment(
  name: string,
  endpoints: { host: string; port: number; weight?: number; health?: 'HEALTHY' | 'UNHEALTHY' }[],
): EndpointAssignmentConfig {
  return {
    clusterName: name,
    localities: [
      {
        locality: { region: '', zone: '', subZone: '' },
        priority: 0,
        endpoints: endpoints.map((e) => ({
          address: { host: e.host, port: e.port },
          healthStatus: e.health ?? 'HEALTHY',
          weight: e.weight ?? 1,
          metadata: {},
        })),
      },
    ],
  };
}

/** A deterministic PRNG (mulberry32) so distribution tests do not flake. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('seeded PRNG is deterministic', () => {
  assert.equal(seeded(1)(), seeded(1)());
});

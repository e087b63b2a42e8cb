// Ports and loopback addresses for local pods. Free ports come from the OS (listen on port 0, then
// close); the allocator remembers what it handed out so two pods never get the same one even
// before their processes bind. TCP services get a per-pod loopback address with the service's own
// port (127.1.<pod>.<service>), so <SVC>_SERVICE_HOST/PORT look the way Kubernetes sets them.
import { createServer } from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether host:port can be bound now. */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Pod ports come from here: below Linux's (32768–60999) and the IANA (49152–) ephemeral ranges. */
const PRIVATE_LOW = 20000;
const PRIVATE_HIGH = 32000;

export class PortAllocator {
  private readonly given = new Set<number>();
  private podCounter = 0;

  /**
   * A free 127.0.0.1 port not handed out before by this allocator, below the ephemeral range.
   * A port is bound only later (a sidecar binds its listeners when pilot's config arrives), and an
   * ephemeral one (what listen(0) gives) can meanwhile be taken as the source port of any outgoing
   * connection on the host, which failed that bind with EADDRINUSE under load.
   */
  async port(): Promise<number> {
    for (let i = 0; i < 50; i++) {
      const p = PRIVATE_LOW + Math.floor(Math.random() * (PRIVATE_HIGH - PRIVATE_LOW));
      if (!this.given.has(p) && (await portIsFree(p))) {
        this.given.add(p);
        return p;
      }
    }
    for (let i = 0; i < 50; i++) {
      const p = await freePort();
      if (!this.given.has(p)) {
        this.given.add(p);
        return p;
      }
    }
    throw new Error('could not find a free port on 127.0.0.1 after 100 tries');
  }

  release(port: number): void {
    this.given.delete(port);
  }

  /** The next pod's index for its loopback block 127.1.<index>.x (1–254, then wraps). */
  nextPodIndex(): number {
    this.podCounter = (this.podCounter % 254) + 1;
    return this.podCounter;
  }
}

/** The loopback address of TCP service number `service` (1-based) for pod number `pod`. */
export function serviceLoopback(pod: number, service: number): string {
  return `127.1.${pod}.${service}`;
}

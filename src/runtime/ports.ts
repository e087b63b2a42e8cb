// Ports and loopback addresses for local pods. A port is handed out here but bound later by a child
// process (a sidecar binds its listeners only once pilot's config arrives), so anything else on the
// host can take it in between. Two things keep that window small:
// - Ports come from 20000–31999, below Linux's (32768–60999) and IANA's (49152–) ephemeral ranges,
//   so the source port of some outgoing connection (what listen(0) hands out too) never lands there.
// - Each mesh claims a block of that range by binding the block's first port for as long as it runs
//   (the sentinel), and hands out the rest of the block in order; another mesh sees the sentinel
//   bound and claims another block, so meshes running side by side never race for a port.
// What remains (some unrelated process binding one of our ports) the supervisor repairs: it sees
// EADDRINUSE and gives the pod new ports. The allocator remembers what it handed out so two pods
// never get the same port before their processes bind. TCP services get a per-pod loopback address
// with the service's own port (127.<mesh>.<pod>.<service>), so <SVC>_SERVICE_HOST/PORT look the way
// Kubernetes sets them; <mesh> follows the block, so two meshes' pods never share an address.
import { createServer, type Server } from 'node:net';

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

/** Binds host:port and keeps it; undefined when it is taken. */
function hold(port: number, host = '127.0.0.1'): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy());
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

export const PORT_RANGE = { low: 20000, high: 32000 };
export const BLOCK_SIZE = 100;

export interface AllocatorOptions {
  /** For tests: picks the block index in [0, blocks); random otherwise. */
  pickBlock?: (blocks: number) => number;
}

interface Block {
  index: number;
  next: number;
  end: number;
}

export class PortAllocator {
  private readonly given = new Set<number>();
  private readonly sentinels: Server[] = [];
  private readonly pickBlock: (blocks: number) => number;
  private block: Block | undefined;
  private claiming: Promise<void> | undefined;
  private podCounter = 0;
  /** The second octet of this mesh's service loopbacks; set by the first block claimed. */
  private octet = 1;

  constructor(options: AllocatorOptions = {}) {
    this.pickBlock = options.pickBlock ?? ((n) => Math.floor(Math.random() * n));
  }

  /** A free 127.0.0.1 port not handed out before by this allocator. */
  async port(): Promise<number> {
    for (let i = 0; i < 4 * BLOCK_SIZE; i++) {
      if (!this.block || this.block.next >= this.block.end) {
        // Pods are created one at a time, but keep concurrent callers from claiming two blocks.
        this.claiming ??= this.claimBlock().finally(() => {
          this.claiming = undefined;
        });
        await this.claiming;
      }
      const block = this.block;
      if (!block) break;
      const p = block.next++;
      if (!this.given.has(p) && (await portIsFree(p))) {
        this.given.add(p);
        return p;
      }
    }
    // No block could be claimed (the range is crowded): the OS's choice beats failing.
    for (let i = 0; i < 50; i++) {
      const p = await freePort();
      if (!this.given.has(p)) {
        this.given.add(p);
        return p;
      }
    }
    throw new Error('could not find a free port on 127.0.0.1');
  }

  private async claimBlock(): Promise<void> {
    const blocks = Math.floor((PORT_RANGE.high - PORT_RANGE.low) / BLOCK_SIZE);
    const first = this.pickBlock(blocks);
    for (let i = 0; i < blocks; i++) {
      const index = (first + i) % blocks;
      const base = PORT_RANGE.low + index * BLOCK_SIZE;
      const sentinel = await hold(base);
      if (!sentinel) continue;
      if (this.sentinels.length === 0) this.octet = (index % 254) + 1;
      this.sentinels.push(sentinel);
      this.block = { index, next: base + 1, end: base + BLOCK_SIZE };
      return;
    }
    this.block = undefined;
  }

  /** Where the next port comes from, if the allocator has claimed a block (tests peek at it). */
  peek(): number | undefined {
    return this.block && this.block.next < this.block.end ? this.block.next : undefined;
  }

  release(port: number): void {
    this.given.delete(port);
  }

  /** Frees the blocks this mesh claimed, for the next mesh. */
  close(): void {
    for (const s of this.sentinels.splice(0)) s.close();
    this.block = undefined;
  }

  /** The next pod's index for its loopback block 127.<mesh>.<index>.x (1–254, then wraps). */
  nextPodIndex(): number {
    this.podCounter = (this.podCounter % 254) + 1;
    return this.podCounter;
  }

  /** The loopback address of TCP service number `service` (1-based) for pod number `pod`. */
  serviceLoopback(pod: number, service: number): string {
    return `127.${this.octet}.${pod}.${service}`;
  }
}

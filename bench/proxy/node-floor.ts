// The floor of a proxy built on weft's own I/O layer: each client connection gets its own upstream
// connection, and every read is copied and written straight to the other socket's handle — reads
// through src/proxy/socket-read (one shared buffer, no 'data' events), writes through
// src/proxy/socket-write (no Writable), no parsing at all. What weft spends beyond this on a
// request is its HTTP work. Run by `npm run bench:proxy-trace` and by `npm run bench:proxy --
// --only …,node-floor`: `node bench/proxy/node-floor.ts <listen port> <upstream port>`.
import { Buffer } from 'node:buffer';
import net from 'node:net';
import { connectReadOptions, directReads, readInto } from '../../src/proxy/socket-read/index.ts';
import { writeHeadBytes } from '../../src/proxy/socket-write/index.ts';

const [listenPort, upstreamPort] = process.argv.slice(2).map(Number);
if (!Number.isInteger(listenPort) || !Number.isInteger(upstreamPort)) {
  process.stderr.write('usage: node-floor.ts <listen port> <upstream port>\n');
  process.exit(2);
}

net
  .createServer({ noDelay: true }, (down) => {
    // Reads land in the shared buffer, valid during the callback only: the write gets a copy.
    const toDown = (chunk: Buffer): void => {
      writeHeadBytes(down, Buffer.from(chunk));
    };
    const up = net.connect({
      host: '127.0.0.1',
      port: upstreamPort,
      noDelay: true,
      onread: connectReadOptions(toDown),
    });
    directReads(up, toDown);
    readInto(down, (chunk) => {
      writeHeadBytes(up, Buffer.from(chunk));
    });
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
    down.on('close', () => up.destroy());
    up.on('close', () => down.destroy());
  })
  .listen(listenPort, '127.0.0.1');

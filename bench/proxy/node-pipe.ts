// The ceiling of any proxy on Node on this machine: a minimal node:net forwarder that parses
// nothing. Each client connection gets its own upstream connection and the two are piped both
// ways (keep-alive on both sides, since nothing ever closes them). Run by `npm run bench:proxy --
// --only …,node-pipe`: `node bench/proxy/node-pipe.ts <listen port> <upstream port>`.
import net from 'node:net';

const [listenPort, upstreamPort] = process.argv.slice(2).map(Number);
if (!Number.isInteger(listenPort) || !Number.isInteger(upstreamPort)) {
  process.stderr.write('usage: node-pipe.ts <listen port> <upstream port>\n');
  process.exit(2);
}

net
  .createServer({ noDelay: true }, (down) => {
    const up = net.connect({ host: '127.0.0.1', port: upstreamPort, noDelay: true });
    down.pipe(up);
    up.pipe(down);
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
    down.on('close', () => up.destroy());
    up.on('close', () => down.destroy());
  })
  .listen(listenPort, '127.0.0.1');

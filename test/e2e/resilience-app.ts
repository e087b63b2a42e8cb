// A small app the resilience tasks run through the `weft.dev/command` annotation (local mode's way
// of playing an image it has no twin for). It answers its pod name, and fails on demand:
//   GET /flaky          500 on every other request (the 1st, 3rd, …) — an upstream retries cure
//   GET /control/fail   from now on every other path answers 500 — an endpoint to eject
//   GET /control/heal   back to 200
// Each request is logged as `<METHOD> <path> -> <status>`. It listens on $PORT (set by the mesh).
import { createServer } from 'node:http';

const pod = process.env['POD_NAME'] ?? 'app';
let failing = false;
let flakyCalls = 0;

const server = createServer((req, res) => {
  const path = req.url ?? '/';
  let status = failing ? 500 : 200;
  if (path === '/control/fail' || path === '/control/heal') {
    failing = path === '/control/fail';
    status = 200;
  } else if (path.startsWith('/flaky')) {
    status = ++flakyCalls % 2 === 1 ? 500 : 200;
  }
  process.stdout.write(`${req.method} ${path} -> ${status}\n`);
  req.resume();
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(`${pod}\n`);
});
server.listen(Number(process.env['PORT'] ?? 8080), '127.0.0.1', () =>
  process.stdout.write(`resilience-app ${pod} listening\n`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));

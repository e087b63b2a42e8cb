// Entry point of the latency load generator as its own process, so the benchmark can pin it to a
// CPU with taskset. Prints one JSON LatencyResult on stdout.
//   node bench/lib/latency-main.ts --port 8080 --rate 1000 --duration-ms 10000 --connections 16
import { parseArgs } from 'node:util';
import { runLatencyLoad } from './latency-load.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    rate: { type: 'string', default: '1000' },
    'duration-ms': { type: 'string', default: '10000' },
    connections: { type: 'string', default: '16' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('latency-main: --port is required (a TCP port on 127.0.0.1)\n');
  process.exit(2);
}
try {
  const result = await runLatencyLoad({
    port,
    rate: Number(values.rate),
    durationMs: Number(values['duration-ms']),
    connections: Number(values.connections),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (err) {
  process.stderr.write(`latency-main: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}

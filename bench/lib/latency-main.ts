// Entry point of the latency load generator as its own process, so the benchmark can pin it to a
// CPU with taskset. Prints one JSON LatencyResult on stdout; with --ports, the targets are loaded
// in turns of --slice-ms (runInterleavedLatency) and it prints a JSON array, one result per port.
//   node bench/lib/latency-main.ts --port 8080 --rate 1000 --duration-ms 10000 --connections 16
//   node bench/lib/latency-main.ts --ports 8080,8081 --slice-ms 250 --duration-ms 5000
import { parseArgs } from 'node:util';
import { DEFAULT_SLICE_MS, runInterleavedLatency, runLatencyLoad } from './latency-load.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    ports: { type: 'string' },
    'slice-ms': { type: 'string', default: String(DEFAULT_SLICE_MS) },
    rate: { type: 'string', default: '1000' },
    'duration-ms': { type: 'string', default: '10000' },
    connections: { type: 'string', default: '16' },
  },
});
const ports = (values.ports ?? values.port ?? '').split(',').map(Number);
if (ports.length === 0 || !ports.every((p) => Number.isInteger(p) && p > 0)) {
  process.stderr.write(
    'latency-main: --port <port> or --ports <port,port,…> is required (TCP ports on 127.0.0.1)\n',
  );
  process.exit(2);
}
const common = {
  rate: Number(values.rate),
  durationMs: Number(values['duration-ms']),
  connections: Number(values.connections),
};
try {
  const result =
    values.ports === undefined
      ? await runLatencyLoad({ port: ports[0]!, ...common })
      : await runInterleavedLatency({ ports, sliceMs: Number(values['slice-ms']), ...common });
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (err) {
  process.stderr.write(`latency-main: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}

// The pilot under test, in its own process so its RSS is its own: `startPilot` with a synthetic
// runtime of <services> × <replicas> workloads (the local runtime's role). Prints one JSON line
// with its ports, then pilot's log; stops on SIGTERM.
import { startPilot } from '../../src/pilot/index.ts';
import type { WorkloadInstance } from '../../src/registry/index.ts';

const [configDir, servicesArg, replicasArg] = process.argv.slice(2);
if (!configDir) {
  process.stderr.write('usage: pilot-process.ts <config-dir> <services> <replicas>\n');
  process.exit(2);
}
const services = Number(servicesArg ?? 1000);
const replicas = Number(replicasArg ?? 5);

const workloads: WorkloadInstance[] = [];
for (let i = 0; i < services; i++) {
  for (let j = 0; j < replicas; j++) {
    workloads.push({
      name: `svc-${i}-${j}`,
      namespace: 'default',
      address: `10.${(i >> 8) & 255}.${i & 255}.${j + 1}`,
      labels: { app: `svc-${i}`, version: `v${(j % 2) + 1}` },
      serviceAccount: 'default',
      namedPorts: {},
      portMap: {},
      healthy: true,
      origin: 'Pod',
      locality: '',
      weight: 1,
    });
  }
}

const pilot = await startPilot({
  configDir,
  xdsPort: 0,
  httpPort: 0,
  workloads: () => workloads,
  log: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify({ xdsPort: pilot.xdsPort, httpPort: pilot.httpPort })}\n`);
process.once('SIGTERM', () => {
  void pilot.close().then(() => process.exit(0));
});

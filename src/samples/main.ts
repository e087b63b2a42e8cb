// Process entry for one sample app: `node src/samples/main.ts <app> [args]`. With arguments, `curl`
// runs a single request and exits with curl's code instead of idling (that is how `weft exec` runs
// `curl …` inside a client pod's environment).
import { listSampleApps, runSample } from './apps.ts';
import { curl } from './client/index.ts';

const [app, ...args] = process.argv.slice(2);

for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));

if (app === 'curl' && args.length > 0) {
  process.exitCode = await curl(args, {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
  });
} else {
  const started = app ? runSample(app, args, process.env) : undefined;
  if (!started) {
    process.stderr.write(`usage: main.ts <app> [args]\napps: ${listSampleApps().join(', ')}\n`);
    process.exit(2);
  }
  try {
    await started;
  } catch (err) {
    process.stderr.write(`${app}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

// `npm run bench:up`: how long `weft up -d` takes until Bookinfo is ready (every pod's app
// answering, every sidecar and the gateway running pilot's config, SYNCED), and how much memory the
// running mesh holds (the sum of VmRSS over the supervisor, every app, sidecar and the gateway).
// Median of 3 runs, each in a fresh state dir with free gateway ports, torn down after.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, isAlive, readState, statePids } from '../../src/runtime/index.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const WEFT = join(ROOT, 'bin', 'weft.js');
const RUNS = 3;

function rssKb(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const times: number[] = [];
const rss: number[] = [];
for (let run = 1; run <= RUNS; run++) {
  const stateDir = mkdtempSync(join(tmpdir(), 'weft-bench-up-'));
  const ports = [await freePort(), await freePort(), await freePort()].map(String);
  const started = performance.now();
  const up = spawnSync(
    process.execPath,
    [
      WEFT,
      'up',
      '-d',
      ...['-f', join(ROOT, 'samples', 'bookinfo', 'bookinfo.yaml')],
      ...['-f', join(ROOT, 'samples', 'bookinfo', 'bookinfo-gateway.yaml')],
      ...[
        '--state-dir',
        stateDir,
        '--http-port',
        ports[0]!,
        '--https-port',
        ports[1]!,
        '--tcp-port',
        ports[2]!,
      ],
    ],
    { encoding: 'utf8', timeout: 180_000 },
  );
  const seconds = (performance.now() - started) / 1000;
  const state = readState(stateDir);
  try {
    if (up.status !== 0 || !state) {
      process.stderr.write(`run ${run}: weft up failed (${up.status}):\n${up.stdout}${up.stderr}`);
      process.exitCode = 1;
      break;
    }
    // Let start-up garbage settle so RSS is the mesh at rest.
    await new Promise((r) => setTimeout(r, 2000));
    const pids = statePids(state).filter(isAlive);
    const totalMb = pids.reduce((sum, pid) => sum + rssKb(pid), 0) / 1024;
    const mb = (list: (number | undefined)[]) =>
      (list.reduce<number>((sum, pid) => sum + (pid ? rssKb(pid) : 0), 0) / 1024).toFixed(0);
    const proxies = [state.gateway?.proxy.pid, ...state.pods.map((p) => p.containers.proxy.pid)];
    const apps = state.pods.map((p) => p.containers.app.pid);
    times.push(seconds);
    rss.push(totalMb);
    process.stdout.write(
      `run ${run}: ready in ${seconds.toFixed(2)} s, ${pids.length} processes, RSS ${totalMb.toFixed(0)} MB ` +
        `(supervisor+pilot ${mb([state.supervisorPid])}, ${proxies.length} proxies ${mb(proxies)}, ` +
        `${apps.length} apps ${mb(apps)})\n`,
    );
  } finally {
    spawnSync(process.execPath, [WEFT, 'down', '--state-dir', stateDir, '--grace', '3'], {
      timeout: 30_000,
    });
    for (const pid of state ? statePids(state) : []) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  }
}
if (times.length === RUNS) {
  process.stdout.write(
    `\nBookinfo (6 pods + gateway), median of ${RUNS}: time to ready ${median(times).toFixed(2)} s, ` +
      `mesh RSS ${median(rss).toFixed(0)} MB\n`,
  );
}

// `npm run bench:pilot`: the control plane at mesh scale. A pilot process with 1,000 services and
// 5,000 workloads, 100 ADS clients on real gRPC streams that ACK like Envoy; measures
//   - apply of the 1,000 Services through the HTTP API,
//   - the initial full push (connect → every client has CDS, EDS, LDS and RDS),
//   - one VirtualService change → every client's RDS response (median of 5; includes the 100 ms
//     push debounce, Istio's default),
//   - a mesh-wide change (a DestinationRule subset → a new cluster in every client's CDS),
//   - pilot's resident memory, and its own push-cycle times from its log.
// Options: --services N --replicas N --clients N --changes N.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CLUSTER_TYPE, ROUTE_TYPE } from '../../src/xds/index.ts';
import { BenchAdsClient } from './ads-client.ts';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' },
    replicas: { type: 'string', default: '5' },
    clients: { type: 'string', default: '100' },
    changes: { type: 'string', default: '5' },
  },
});
const SERVICES = Number(values.services);
const REPLICAS = Number(values.replicas);
const CLIENTS = Number(values.clients);
const CHANGES = Number(values.changes);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(2);
  }
}

function servicesYaml(): string {
  const docs: string[] = [];
  for (let i = 0; i < SERVICES; i++) {
    docs.push(
      `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${i}\n  labels: {app: svc-${i}}\n` +
        `spec:\n  selector: {app: svc-${i}}\n  ports:\n  - {name: http, port: 8080, targetPort: 8080}\n`,
    );
  }
  return docs.join('---\n');
}

const destinationRule = (name: string, host: string, subsets: string[]): string =>
  `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: ${name}\nspec:\n  host: ${host}\n  subsets:\n` +
  subsets.map((s) => `  - name: ${s}\n    labels: {version: ${s.startsWith('v2') ? 'v2' : 'v1'}}\n`).join('');

const virtualService = (subset: string): string =>
  `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: svc-0\nspec:\n  hosts: [svc-0]\n  http:\n` +
  `  - route:\n    - destination: {host: svc-0, subset: ${subset}}\n`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-pilot-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [new URL('./pilot-process.ts', import.meta.url).pathname, dir, String(SERVICES), String(REPLICAS)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const clients: BenchAdsClient[] = [];
  try {
    const pushLines: string[] = [];
    const ports = await new Promise<{ xdsPort: number; httpPort: number }>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`pilot process exited with ${code}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.startsWith('{')) resolve(JSON.parse(line));
        else if (line.startsWith('pilot: push')) pushLines.push(line);
      });
    });
    const base = `http://127.0.0.1:${ports.httpPort}`;
    const apply = async (yaml: string): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${base}/apis/v1/apply?source=bench`, { method: 'POST', body: yaml });
      if (res.status !== 200) throw new Error(`apply failed: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      return performance.now() - t0;
    };
    const rssMiB = async (): Promise<number> => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return Number(/^process_resident_memory_bytes (\d+)/m.exec(text)![1]) / 1024 / 1024;
    };
    const rssIdle = await rssMiB();

    const applyServicesMs = await apply(servicesYaml());
    await apply(destinationRule('svc-0', 'svc-0', ['v1', 'v2']));
    await apply(virtualService('v1'));
    await sleep(300);

    const connectStart = performance.now();
    for (let i = 0; i < CLIENTS; i++) clients.push(new BenchAdsClient(ports.xdsPort, i));
    await until(
      () => clients.every((c) => c.complete()),
      120_000,
      'every client to get CDS, EDS, LDS and RDS',
    );
    const fullPushMs =
      Math.max(...clients.map((c) => Math.max(...[...c.seen.values()].map((s) => s.lastAt)))) - connectStart;
    await sleep(500);
    const rssConnected = await rssMiB();

    const measure = async (typeUrl: string, yaml: string): Promise<{ ms: number; cycle: string }> => {
      const before = clients.map((c) => c.seen.get(typeUrl)?.responses ?? 0);
      const lines = pushLines.length;
      const t0 = performance.now();
      await apply(yaml);
      await until(
        () => clients.every((c, i) => (c.seen.get(typeUrl)?.responses ?? 0) > before[i]!),
        60_000,
        `every client's ${typeUrl.split('.').pop()}`,
      );
      const ms = Math.max(...clients.map((c) => c.seen.get(typeUrl)!.lastAt)) - t0;
      await until(() => pushLines.length > lines, 5000, 'the push log line');
      return { ms, cycle: pushLines[pushLines.length - 1]! };
    };
    const vsTimes: number[] = [];
    const cycleMs: number[] = [];
    const cycleOf = (line: string): number => Number(/ in ([\d.]+) ms/.exec(line)?.[1] ?? NaN);
    for (let i = 0; i < CHANGES; i++) {
      const r = await measure(ROUTE_TYPE, virtualService(i % 2 === 0 ? 'v2' : 'v1'));
      vsTimes.push(r.ms);
      cycleMs.push(cycleOf(r.cycle));
      await sleep(200);
    }
    const meshTimes: number[] = [];
    const meshCycles: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await measure(CLUSTER_TYPE, destinationRule('svc-1', 'svc-1', ['v1', `v2x${i}`]));
      meshTimes.push(r.ms);
      meshCycles.push(cycleOf(r.cycle));
      await sleep(200);
    }
    const rssAfter = await rssMiB();

    const rows: [string, string][] = [
      ['services / workloads / clients', `${SERVICES} / ${SERVICES * REPLICAS} / ${CLIENTS}`],
      [`apply ${SERVICES} Services (HTTP, validated, written)`, `${applyServicesMs.toFixed(0)} ms`],
      ['initial full push: connect → all clients have CDS+EDS+LDS+RDS', `${fullPushMs.toFixed(0)} ms`],
      [
        `VirtualService change → every client's RDS (median of ${CHANGES})`,
        `${median(vsTimes).toFixed(0)} ms`,
      ],
      ['  of which pilot push cycle (rebuild + generate + send)', `${median(cycleMs).toFixed(0)} ms`],
      ['  of which debounce (quiet period)', '100 ms'],
      ["DestinationRule subset → every client's CDS (median of 3)", `${median(meshTimes).toFixed(0)} ms`],
      ['  of which pilot push cycle', `${median(meshCycles).toFixed(0)} ms`],
      [
        `pilot RSS: idle / ${CLIENTS} clients connected / after changes`,
        `${rssIdle.toFixed(0)} / ${rssConnected.toFixed(0)} / ${rssAfter.toFixed(0)} MiB`,
      ],
    ];
    const width = Math.max(...rows.map((r) => r[0].length));
    process.stdout.write(`\nweft pilot benchmark (${new Date().toISOString()})\n\n`);
    for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}   ${v}\n`);
    process.stdout.write(
      `\nVirtualService change samples (ms): ${vsTimes.map((x) => x.toFixed(0)).join(', ')}\n`,
    );
    process.stdout.write(`push cycle samples (ms): ${cycleMs.map((x) => x.toFixed(0)).join(', ')}\n`);
    const out = new URL('../out/', import.meta.url).pathname;
    mkdirSync(out, { recursive: true });
    const file = join(out, `pilot-${Date.now()}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        {
          services: SERVICES,
          workloads: SERVICES * REPLICAS,
          clients: CLIENTS,
          applyServicesMs,
          fullPushMs,
          vsTimes,
          cycleMs,
          meshTimes,
          meshCycles,
          rssIdle,
          rssConnected,
          rssAfter,
        },
        null,
        2,
      ),
    );
    process.stdout.write(`results: ${file}\n`);
  } finally {
    for (const c of clients) c.close();
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

// `npm run bench:proxy-instructions -- [--base <rev|http-floor>]`: user-space instructions per
// proxied request of this checkout's proxy against a baseline, counted by valgrind's callgrind.
//
// Timing on a shared VM cannot see a 2 % change (docs/proxy.md, "Instructions per request"):
// alone on a core the CPU per request moves ±10–15 % between rounds, and two builds loaded at once
// share a core neither saturates, so what one saves goes into smaller batches. An instruction
// count does not move with the machine. Each proxy runs under callgrind against the shared nginx
// upstream, takes --warmup seconds of wrk so the JIT settles, then its counters are zeroed and it
// serves exactly --requests GETs over 50 keep-alive connections; the main thread's instructions
// divided by the requests is the figure. The kernel's share is not counted: this is for changes to
// the proxy's own code, and bench:proxy judges the result. Runs of one build differ by a few
// hundred instructions (the JIT's decisions vary).
import { execFileSync } from 'node:child_process';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { PROXY_NODE_FLAGS } from '../../src/util/node-flags/index.ts';
import {
  type ChildSet,
  ensureTools,
  freePort,
  TOOLS,
  waitForHttp200,
  withChildren,
  wrkArgs,
} from '../lib/index.ts';
import { weftBootstrapYaml } from './configs.ts';
import { CPU, startUpstream } from './targets.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const HTTP_FLOOR = resolve(import.meta.dirname, 'http-floor.ts');
const USAGE = `usage: npm run bench:proxy-instructions -- [options]
  --base <rev>       compare with this revision's proxy (a commit, tag or branch), or with
                     http-floor (the leanest code doing weft's HTTP work; default)
  --requests <n>     requests counted per proxy (default 20000)
  --warmup <s>       seconds of wrk before counting, for the JIT to settle (default 30)
Needs valgrind (installed from Debian's packages if missing). Takes a few minutes.`;

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export interface InstructionOptions {
  base: string;
  requests: number;
  warmupS: number;
}

export function parseInstructionOptions(argv: readonly string[]): InstructionOptions | 'help' | string {
  const o: InstructionOptions = { base: 'http-floor', requests: 20000, warmupS: 30 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') return 'help';
    const v = argv[i + 1];
    if (a !== '--base' && a !== '--requests' && a !== '--warmup') return `unknown option ${a}`;
    if (v === undefined) return `${a} needs a value`;
    i++;
    if (a === '--base') o.base = v;
    else {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) return `${a} must be a positive integer, not ${JSON.stringify(v)}`;
      if (a === '--requests') o.requests = n;
      else o.warmupS = n;
    }
  }
  return o;
}

/** The instructions of one callgrind dump (its `summary:` line), or undefined. */
export function callgrindSummary(text: string): number | undefined {
  const m = /^summary:\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Sends exactly `n` GETs over `connections` keep-alive connections, one at a time on each. */
async function sendRequests(port: number, n: number, connections: number): Promise<void> {
  const request = Buffer.from(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, 'latin1');
  let sent = 0;
  let done = 0;
  await new Promise<void>((resolveAll, reject) => {
    for (let c = 0; c < connections; c++) {
      const s = net.connect(port, '127.0.0.1');
      let buf = '';
      const next = () => {
        if (sent < n) {
          sent++;
          s.write(request);
        } else s.end();
      };
      s.setEncoding('latin1');
      s.on('connect', next);
      s.on('error', reject);
      s.on('data', (d: string) => {
        buf += d;
        for (;;) {
          const headEnd = buf.indexOf('\r\n\r\n');
          if (headEnd < 0) return;
          const length = /content-length: *(\d+)/i.exec(buf.slice(0, headEnd));
          if (!length) return reject(new Error('a response without content-length'));
          const end = headEnd + 4 + Number(length[1]);
          if (buf.length < end) return;
          if (!buf.startsWith('HTTP/1.1 200')) return reject(new Error(`not 200: ${buf.slice(0, 40)}`));
          buf = buf.slice(end);
          if (++done === n) return resolveAll();
          next();
        }
      });
    }
  });
}

/** One proxy under callgrind, listening on `port`: instructions of its main thread per request. */
async function count(
  children: ChildSet,
  label: string,
  dir: string,
  port: number,
  args: string[],
  cwd: string,
  o: InstructionOptions,
): Promise<number> {
  const out = join(dir, `${label}.callgrind`);
  const child = children.start(
    label,
    'valgrind',
    [
      '--tool=callgrind',
      '--separate-threads=yes',
      `--callgrind-out-file=${out}`,
      process.execPath,
      ...PROXY_NODE_FLAGS,
      ...args,
    ],
    { cpu: CPU.proxy, cwd },
  );
  let dead = false;
  void child.exited.then(() => {
    dead = true;
  });
  const problem = await waitForHttp200(port, 180_000, () => !dead);
  if (problem !== undefined) throw new Error(`${label} did not become ready under valgrind: ${problem}`);
  log(`${label}: ready under callgrind; ${o.warmupS} s of wrk to warm up …`);
  await children.run(
    'wrk',
    'wrk',
    wrkArgs({ url: `http://127.0.0.1:${port}/`, threads: 1, connections: 50, durationS: o.warmupS }),
    {
      cpu: CPU.loadAndUpstream,
    },
  );
  execFileSync('callgrind_control', ['-z', String(child.pid)], { stdio: 'ignore' });
  log(`${label}: counting ${o.requests} requests …`);
  await sendRequests(port, o.requests, 50);
  execFileSync('callgrind_control', ['-d', String(child.pid)], { stdio: 'ignore' });
  await children.stop(child);
  // The dump of the main thread: <out>.1-01 (dump 1, thread 1).
  const dump = `${out}.1-01`;
  const text = await readFile(dump, 'utf8').catch(() => undefined);
  if (text === undefined) throw new Error(`${label}: callgrind wrote no dump ${dump}`);
  const total = callgrindSummary(text);
  if (total === undefined) throw new Error(`${label}: no summary line in ${dump}`);
  return total / o.requests;
}

async function run(o: InstructionOptions, children: ChildSet, dir: string): Promise<number> {
  const upstream = await startUpstream(children, dir);
  /** Arguments of a weft proxy from `root` on a fresh port, its bootstrap written to `dir`. */
  const weft = async (root: string, label: string): Promise<[number, string[]]> => {
    const port = await freePort();
    const file = join(dir, `${label}.yaml`);
    const yaml = weftBootstrapYaml({
      listenPort: port,
      adminPort: await freePort(),
      upstreamPort: upstream.port,
      virtualHosts: 1,
    });
    await writeFile(file, yaml);
    return [port, [join(root, 'bin', 'weft.js'), 'proxy', '--bootstrap', file]];
  };
  let baseRoot: string | undefined;
  if (o.base !== 'http-floor') {
    baseRoot = join(dir, 'base');
    execFileSync('git', ['worktree', 'add', '--detach', baseRoot, o.base], { cwd: ROOT, stdio: 'ignore' });
    await symlink(join(ROOT, 'node_modules'), join(baseRoot, 'node_modules'));
  }
  try {
    let base: number;
    if (baseRoot === undefined) {
      const port = await freePort();
      const args = [HTTP_FLOOR, String(port), String(upstream.port)];
      base = await count(children, 'http-floor', dir, port, args, ROOT, o);
    } else {
      const [port, args] = await weft(baseRoot, 'base');
      base = await count(children, 'base', dir, port, args, baseRoot, o);
    }
    const [port, args] = await weft(ROOT, 'this');
    const self = await count(children, 'this', dir, port, args, ROOT, o);
    process.stdout.write(
      `instructions per request (main thread, user space): ${o.base} ${base.toFixed(0)}, this checkout ${self.toFixed(0)}; this/${o.base} ${(self / base).toFixed(3)}\n`,
    );
    return 0;
  } finally {
    await children.stopAll();
    if (baseRoot !== undefined)
      execFileSync('git', ['worktree', 'remove', '--force', baseRoot], { cwd: ROOT, stdio: 'ignore' });
  }
}

async function main(): Promise<number> {
  const o = parseInstructionOptions(process.argv.slice(2));
  if (o === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (typeof o === 'string') {
    log(`bench:proxy-instructions: ${o}\n${USAGE}`);
    return 2;
  }
  const missing = ensureTools([TOOLS.nginx, TOOLS.wrk, TOOLS.taskset, TOOLS.valgrind], log);
  if (missing !== undefined) {
    log(`bench:proxy-instructions: ${missing}`);
    return 1;
  }
  try {
    return await withChildren('weft-bench-instr-', log, (children, dir) => run(o, children, dir));
  } catch (err) {
    log(`bench:proxy-instructions: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

if (import.meta.main) process.exitCode = await main();

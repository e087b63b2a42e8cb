// Installs the benchmark's external tools from Debian's packages when they are missing. Only the
// package manager is used (never a downloaded binary), and only when `command -v` fails, so a
// machine that already has the tools is left untouched.
import { spawnSync } from 'node:child_process';

/** A tool the benchmark runs, and the Debian packages that provide it, in order of preference. */
export interface ToolNeed {
  command: string;
  packages: string[];
}

/** The benchmarks' tools and their Debian packages (nginx-light first: the smallest nginx). */
export const TOOLS = {
  nginx: { command: 'nginx', packages: ['nginx-light', 'nginx'] },
  haproxy: { command: 'haproxy', packages: ['haproxy'] },
  wrk: { command: 'wrk', packages: ['wrk'] },
  taskset: { command: 'taskset', packages: ['util-linux'] },
  perf: { command: 'perf', packages: ['linux-perf'] },
  valgrind: { command: 'valgrind', packages: ['valgrind'] },
} as const satisfies Record<string, ToolNeed>;

export function hasCommand(command: string): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
  return r.status === 0;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function aptGet(args: string[], log: (line: string) => void): boolean {
  log(`$ apt-get ${args.join(' ')}`);
  const r = spawnSync('apt-get', args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return r.status === 0;
}

/**
 * Makes every tool in `needs` available. Returns an error message (a value, not a throw) when a
 * tool is missing and cannot be installed: not root, or apt-get failed for every candidate package.
 */
export function ensureTools(needs: ToolNeed[], log: (line: string) => void): string | undefined {
  const missing = needs.filter((n) => !hasCommand(n.command));
  if (missing.length === 0) return undefined;
  const names = missing.map((n) => n.command).join(', ');
  if (!isRoot()) {
    const pkgs = missing.map((n) => n.packages[0]).join(' ');
    return `missing ${names}; run as root to install them, or install them yourself: apt-get install -y ${pkgs}`;
  }
  if (!aptGet(['update'], log)) return 'apt-get update failed';
  for (const need of missing) {
    // Packages in order of preference (newer releases dropped nginx-light for plain nginx).
    const ok = need.packages.some(
      (pkg) => aptGet(['install', '-y', '--no-install-recommends', pkg], log) && hasCommand(need.command),
    );
    if (!ok) return `could not install ${need.command} (tried packages: ${need.packages.join(', ')})`;
  }
  return undefined;
}

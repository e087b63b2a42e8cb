// Shared by the pilot tests: a pilot on free ports with a throwaway config dir, closed after the test,
// and a CLI context that captures what a command prints.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type CliContext, main } from '../../src/cli/index.ts';
import { type PilotHandle, type PilotOptions, startPilot } from '../../src/pilot/index.ts';

export const SAMPLES = new URL('../../../shared/istio/samples/', import.meta.url);

export async function testPilot(t: TestContext, options: Partial<PilotOptions> = {}): Promise<PilotHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-pilot-'));
  const pilot = await startPilot({
    configDir: dir,
    xdsPort: 0,
    httpPort: 0,
    debounce: { afterMs: 10, maxMs: 100 },
    ...options,
  });
  t.after(async () => {
    await pilot.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return pilot;
}

export function baseUrl(pilot: PilotHandle): string {
  return `http://127.0.0.1:${pilot.httpPort}`;
}

export interface Captured {
  code: number;
  out: string;
  err: string;
}

/** Runs `weft <args>` in-process against `pilot`. */
export async function runCli(args: string[], stdin = ''): Promise<Captured> {
  let out = '';
  let err = '';
  const ctx: CliContext = {
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
    readStdin: async () => stdin,
    exitCode: 0,
  };
  const code = await main(args, ctx);
  return { code, out, err };
}

/** Polls until `check` holds or `ms` pass. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms = 2000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

// `weft version`: the client version, and the Istio API level whose configuration it accepts.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** The Istio release whose CRDs the validation follows. */
export const ISTIO_API_VERSION = '1.30';

export function registerVersion(program: Command, ctx: CliContext): void {
  program
    .command('version')
    .description('Print the weft version and the Istio API level it implements')
    .option('-o, --output <format>', 'output format: json or yaml (default: text)')
    .action((opts: { output?: string }) => {
      const info = { weft: pkg.version, istioApi: ISTIO_API_VERSION, node: process.versions.node };
      if (opts.output === 'json') ctx.stdout(JSON.stringify(info, null, 2) + '\n');
      else if (opts.output === 'yaml')
        ctx.stdout(`weft: ${info.weft}\nistioApi: "${info.istioApi}"\nnode: ${info.node}\n`);
      else ctx.stdout(`weft version ${info.weft} (Istio API ${info.istioApi}, Node.js ${info.node})\n`);
    });
}

// `weft proxy --bootstrap <file>`: run the data-plane proxy from an Envoy v3 bootstrap (YAML or
// JSON). Decode errors are printed as file:line and exit 1; SIGTERM/SIGINT and the admin
// /quitquitquit drain the listeners and exit.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { snapshotFromBootstrap, startProxy } from '../proxy/index.ts';
import { AdsClient, adsTargetFromBootstrap, loadBootstrap } from '../proxy/xds/index.ts';
import { PROXY_NODE_FLAGS } from '../util/node-flags/index.ts';
import { type CliContext, EXIT_FAILED } from './context.ts';

export function registerProxy(program: Command, ctx: CliContext): void {
  program
    .command('proxy')
    .description('Run the proxy from an Envoy v3 bootstrap file (YAML or JSON)')
    .requiredOption('--bootstrap <file>', 'bootstrap file')
    .option('--drain-ms <ms>', 'how long to let open connections finish on shutdown', '5000')
    .option(
      '--concurrency <n>',
      "workers to spread connections over, each with its own upstream connection pools (Envoy's --concurrency)",
      '1',
    )
    .addHelpText(
      'after',
      `\nWeft starts its proxies as \`node ${PROXY_NODE_FLAGS.join(' ')} bin/weft.js proxy …\`:` +
        '\nthe flag saves about 7 % of the CPU per request (see docs/proxy.md).',
    )
    .action(async (opts: { bootstrap: string; drainMs: string; concurrency: string }) => {
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        ctx.stderr(
          `error: --concurrency must be a positive integer, got ${JSON.stringify(opts.concurrency)}\n`,
        );
        ctx.exitCode = EXIT_FAILED;
        return;
      }
      let text: string;
      try {
        text = await readFile(opts.bootstrap, 'utf8');
      } catch (err) {
        ctx.stderr(`error: cannot read ${opts.bootstrap}: ${(err as Error).message}\n`);
        ctx.exitCode = EXIT_FAILED;
        return;
      }
      const loaded = loadBootstrap(text, opts.bootstrap);
      if (!loaded.ok) {
        for (const e of loaded.errors)
          ctx.stderr(`${e.file}:${e.line}: ${e.path ? e.path + ': ' : ''}${e.message}\n`);
        ctx.exitCode = EXIT_FAILED;
        return;
      }
      let stop: () => void = () => {};
      const stopped = new Promise<void>((resolve) => {
        stop = resolve;
      });
      const initial = snapshotFromBootstrap(loaded.value);
      const proxy = await startProxy({
        snapshot: initial,
        onShutdown: () => stop(),
        concurrency,
      });
      // A bootstrap with dynamic_resources gets the rest of its config from the control plane:
      // the ADS client hands over complete snapshots (static resources included), which the
      // engine applies whole or refuses, keeping the last good one either way. The engine's
      // errors go back to the client, which NACKs the response with them instead of ACKing it.
      let ads: AdsClient | undefined;
      if (loaded.value.dynamic?.adsCluster) {
        const target = adsTargetFromBootstrap(loaded.value);
        if (!target.ok) {
          ctx.stderr(`error: ${target.message}\n`);
          await proxy.close(0);
          ctx.exitCode = EXIT_FAILED;
          return;
        }
        ads = new AdsClient({
          address: target.address,
          node: loaded.value.node,
          staticResources: {
            listeners: loaded.value.staticResources.listeners,
            clusters: loaded.value.staticResources.clusters,
            admin: loaded.value.admin,
            ...(initial.dump ? { dump: initial.dump } : {}),
          },
          onSnapshot: async (snapshot) => {
            const errors = await proxy.update(snapshot);
            if (errors.length > 0)
              ctx.stderr(
                `weft proxy: config refused, keeping the last good one:\n  ${errors.join('\n  ')}\n`,
              );
            return errors;
          },
          log: (line) => ctx.stderr(`${line}\n`),
        });
        const client = ads;
        proxy.reportUpdateFailures(() => client.updateFailures());
        ads.start();
      }
      const onSignal = () => stop();
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      const listeners = [...proxy.addresses()].map(([n, a]) => `${n}=${a.host}:${a.port}`).join(' ');
      const admin = proxy.adminAddress();
      ctx.stdout(
        `weft proxy ready: listeners ${listeners || '(none)'}${admin ? ` admin=${admin.host}:${admin.port}` : ''}\n`,
      );
      await stopped;
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      ctx.stdout('weft proxy draining\n');
      ads?.stop();
      await proxy.close(Number(opts.drainMs));
    });
}

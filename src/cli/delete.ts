// `weft delete -f <file>` and `weft delete <kind> <name> [-n ns]`: remove resources from the running
// control plane's config, reported like kubectl (`virtualservice.networking.istio.io "reviews" deleted`).
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadFiles } from '../api/index.ts';
import { collect, reportIssues } from './apply.ts';
import { type CliContext, EXIT_FAILED, EXIT_USAGE } from './context.ts';
import { PILOT_OPTION_HELP, STATE_DIR_OPTION_HELP, withPilot } from './pilot.ts';

const EXAMPLES = `
Examples:
  # Delete what a file declares
  weft delete -f samples/bookinfo/virtual-service-reviews-test-v2.yaml

  # Delete one resource by kind and name (kinds as kubectl spells them: vs, virtualservice, …)
  weft delete virtualservice reviews
  weft delete dr reviews -n bookinfo
`;

interface DeleteLine {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  action: 'deleted' | 'not found';
}

export function registerDelete(program: Command, ctx: CliContext): void {
  program
    .command('delete')
    .description('Delete configuration from the running control plane, by file or by kind and name')
    .argument('[kind]', 'resource kind, e.g. virtualservice, vs, destinationrule, dr, gateway')
    .argument('[name]', 'resource name')
    .option('-f, --filename <path>', 'file, directory or - for stdin (repeatable)', collect, [] as string[])
    .option('-n, --namespace <ns>', 'namespace of the named resource', 'default')
    .option('--ignore-not-found', 'do not fail when a resource does not exist')
    .option('--pilot <url>', PILOT_OPTION_HELP)
    .option('--state-dir <dir>', STATE_DIR_OPTION_HELP)
    .addHelpText('after', EXAMPLES)
    .action(
      async (
        kind: string | undefined,
        name: string | undefined,
        opts: {
          filename: string[];
          namespace: string;
          ignoreNotFound?: boolean;
          pilot?: string;
          stateDir?: string;
        },
      ) => {
        const byFile = opts.filename.length > 0;
        if (byFile === (kind !== undefined) || (!byFile && name === undefined)) {
          ctx.stderr(
            'error: pass either -f <file|dir|-> or <kind> <name> (run `weft delete --help` for examples)\n',
          );
          ctx.exitCode = EXIT_USAGE;
          return;
        }
        let body: string;
        let contentType = 'application/yaml';
        let source = 'request';
        if (byFile) {
          const loaded = await loadFiles(opts.filename, () => ctx.readStdin());
          if (reportIssues(ctx, loaded.issues)) return;
          body = loaded.docs.map((d) => stringify(d.body)).join('---\n');
          source = loaded.files.join(',');
        } else {
          body = JSON.stringify({ kind, name, namespace: opts.namespace });
          contentType = 'application/json';
        }
        await withPilot(ctx, opts, async (pilot, client) => {
          const reply = await client.request(
            'POST',
            `/apis/v1/delete?source=${encodeURIComponent(source)}`,
            body,
            contentType,
          );
          const answer = reply.body as { results?: DeleteLine[]; issues?: [] };
          if (reply.status !== 200) {
            if (answer.issues) reportIssues(ctx, answer.issues);
            else ctx.stderr(`error: ${pilot.replyError(reply)}\n`);
            ctx.exitCode = EXIT_FAILED;
            return;
          }
          for (const r of answer.results ?? []) {
            if (r.action === 'deleted') ctx.stdout(`${pilot.qualifiedKind(r)} "${r.name}" deleted\n`);
            else if (!opts.ignoreNotFound) {
              const plural = `${pilot.pluralOf(r.kind)}${r.group ? '.' + r.group : ''}`;
              ctx.stderr(
                `Error from server (NotFound): ${plural} "${r.name}" not found in namespace "${r.namespace}"\n`,
              );
              ctx.exitCode = EXIT_FAILED;
            }
          }
        });
      },
    );
}

// `weft apply -f`: validate locally (same rules as `weft validate`), then hand the documents to the
// running pilot, which validates again and writes them to its config directory. Prints one line per
// resource the way kubectl does: `virtualservice.networking.istio.io/reviews configured`.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import {
  type ConfigIssue,
  formatIssue,
  loadFiles,
  supportWarnings,
  validateDocuments,
} from '../api/index.ts';
import { keyOfDocument, keyString } from '../config/index.ts';
import { type CliContext, EXIT_FAILED, EXIT_USAGE } from './context.ts';
import {
  checkOutput,
  PILOT_OPTION_HELP,
  STATE_DIR_OPTION_HELP,
  withPilot,
  writeStructured,
} from './pilot.ts';

const EXAMPLES = `
Examples:
  # Route all Bookinfo traffic to v1
  weft apply -f samples/bookinfo/destination-rule-all.yaml
  weft apply -f samples/bookinfo/virtual-service-all-v1.yaml

  # Every .yaml/.yml/.json file under a folder, or standard input
  weft apply -f my-rules/
  cat route.yaml | weft apply -f -

  # A pilot elsewhere
  weft apply -f route.yaml --pilot http://127.0.0.1:25014
`;

export const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function registerApply(program: Command, ctx: CliContext): void {
  program
    .command('apply')
    .description('Validate configuration and apply it to the running control plane')
    .option('-f, --filename <path>', 'file, directory or - for stdin (repeatable)', collect, [] as string[])
    .option('--pilot <url>', PILOT_OPTION_HELP)
    .option('--state-dir <dir>', STATE_DIR_OPTION_HELP)
    .option('-o, --output <format>', 'json or yaml: print the results structured')
    .addHelpText('after', EXAMPLES)
    .action(async (opts: { filename: string[]; pilot?: string; output?: string }) => {
      if (opts.filename.length === 0) {
        ctx.stderr('error: no input: pass -f <file|dir|-> (run `weft apply --help` for examples)\n');
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      if (!checkOutput(ctx, opts.output, ['json', 'yaml'])) return;
      const loaded = await loadFiles(opts.filename, () => ctx.readStdin());
      const issues = [...loaded.issues, ...validateDocuments(loaded.docs), ...supportWarnings(loaded.docs)];
      if (reportIssues(ctx, issues)) return;
      if (loaded.docs.length === 0) {
        ctx.stderr(`error: no objects passed to apply (read ${loaded.files.join(', ') || 'nothing'})\n`);
        ctx.exitCode = EXIT_FAILED;
        return;
      }
      // As with `kubectl apply -f a.yaml -f b.yaml`, a resource named again in a later file replaces
      // the earlier one; pilot gets each resource once.
      const latest = new Map(loaded.docs.map((d) => [keyString(keyOfDocument(d)), d]));
      const text = [...latest.values()].map((d) => stringify(d.body)).join('---\n');
      await withPilot(ctx, opts, async (pilot, client) => {
        const source = encodeURIComponent(loaded.files.join(','));
        const reply = await client.request('POST', `/apis/v1/apply?source=${source}`, text);
        const body = reply.body as { results?: ApplyLine[]; issues?: ConfigIssue[] };
        if (reply.status !== 200) {
          if (body.issues) reportIssues(ctx, body.issues);
          else ctx.stderr(`error: pilot refused the apply: ${pilot.replyError(reply)}\n`);
          ctx.exitCode = EXIT_FAILED;
          return;
        }
        const results = body.results ?? [];
        if (opts.output === 'json' || opts.output === 'yaml') {
          writeStructured(ctx, { results }, opts.output);
          return;
        }
        for (const r of results) ctx.stdout(`${pilot.qualifiedKind(r)}/${r.name} ${r.action}\n`);
      });
    });
}

interface ApplyLine {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  action: string;
}

/** Prints issues (errors to stderr); returns true, having set exit 1, when any is an error. */
export function reportIssues(ctx: CliContext, issues: ConfigIssue[]): boolean {
  for (const issue of issues)
    (issue.severity === 'error' ? ctx.stderr : ctx.stdout)(formatIssue(issue) + '\n');
  const errors = issues.filter((i) => i.severity === 'error').length;
  if (errors === 0) return false;
  ctx.stderr(`✘ ${errors} error${errors === 1 ? '' : 's'}: nothing was applied; fix them and run again\n`);
  ctx.exitCode = EXIT_FAILED;
  return true;
}

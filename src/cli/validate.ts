// `weft validate`: load Istio/Kubernetes YAML and report every problem with file:line, as
// `istioctl validate` does. Exit 0 when valid (warnings allowed), 1 when anything is invalid.
import type { Command } from 'commander';
import {
  type ConfigIssue,
  formatIssue,
  loadFiles,
  supportWarnings,
  validateDocuments,
} from '../api/index.ts';
import { type CliContext, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './context.ts';

const EXAMPLES = `
Examples:
  # Validate one file
  weft validate -f samples/bookinfo/virtual-service-all-v1.yaml

  # Validate every .yaml, .yml and .json file under a directory (recursively)
  weft validate -f samples/

  # Validate from standard input, machine-readable
  cat route.yaml | weft validate -f - -o json
`;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function registerValidate(program: Command, ctx: CliContext): void {
  program
    .command('validate')
    .description('Validate Istio and Kubernetes configuration files without applying them')
    .option(
      '-f, --filename <path>',
      'file, directory or - for stdin (repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('-o, --output <format>', 'output format: json (default: text)')
    .addHelpText('after', EXAMPLES)
    .action(async (opts: { filename: string[]; output?: string }) => {
      if (opts.filename.length === 0) {
        ctx.stderr('error: no input: pass -f <file|dir|-> (run `weft validate --help` for examples)\n');
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      if (opts.output !== undefined && opts.output !== 'json') {
        ctx.stderr(
          `error: unsupported output format ${JSON.stringify(opts.output)}; use -o json or omit it\n`,
        );
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      const loaded = await loadFiles(opts.filename, () => ctx.readStdin());
      const issues: ConfigIssue[] = [
        ...loaded.issues,
        ...validateDocuments(loaded.docs),
        ...supportWarnings(loaded.docs),
      ];
      const errors = issues.filter((i) => i.severity === 'error');
      const valid = errors.length === 0;
      ctx.exitCode = valid ? EXIT_OK : EXIT_FAILED;
      if (opts.output === 'json') {
        ctx.stdout(JSON.stringify({ valid, documents: loaded.docs.length, issues }, null, 2) + '\n');
        return;
      }
      for (const issue of issues)
        (issue.severity === 'error' ? ctx.stderr : ctx.stdout)(formatIssue(issue) + '\n');
      const files = plural(loaded.files.length, 'file');
      if (valid) {
        ctx.stdout(
          `✔ ${plural(loaded.docs.length, 'document')} in ${files} ${loaded.docs.length === 1 ? 'is' : 'are'} valid\n`,
        );
      } else {
        // Issues without a document (syntax errors, unreadable files) count as invalid inputs too.
        const badDocs = new Set(errors.map((i) => `${i.file}\0${i.kind}\0${i.namespace}\0${i.name}`)).size;
        const total = Math.max(loaded.docs.length, badDocs);
        ctx.stderr(`✘ ${plural(errors.length, 'error')} in ${badDocs} of ${plural(total, 'document')}\n`);
      }
    });
}

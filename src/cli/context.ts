// What every subcommand gets: where to write, how to read stdin, and its exit code.

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Where a command writes and how it reports its exit code; tests pass their own. */
export interface CliContext {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Read all of standard input (for `-f -`). */
  readStdin(): Promise<string>;
  exitCode: number;
}

export function processContext(): CliContext {
  // `weft … | head` closes the pipe early: that is the reader saying "enough", not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    exitCode: EXIT_OK,
  };
}

// The client pods (curl, sleep, fortio) run nothing of their own: they exist so commands can be run
// in their environment (`weft exec`). This keeps the process alive until it is told to stop.
export function runIdle(app: string): Promise<void> {
  setInterval(() => {}, 2 ** 31 - 1);
  process.stdout.write(`weft-sample ${app} idle\n`);
  return Promise.resolve();
}

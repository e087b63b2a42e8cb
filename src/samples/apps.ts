// The registry of runnable sample apps: name → how to start it in this process.
import { runDetails, runProductpage, runRatings, runReviews } from './bookinfo/index.ts';
import { runIdle } from './client/index.ts';
import type { Env } from './common/index.ts';
import { runHelloworld } from './helloworld.ts';
import { runHttpbin } from './httpbin/index.ts';
import { runTcpEcho } from './tcp-echo.ts';

export type SampleRunner = (args: string[], env: Env) => Promise<unknown>;

const APPS: Record<string, SampleRunner> = {
  productpage: runProductpage,
  details: runDetails,
  reviews: runReviews,
  ratings: runRatings,
  httpbin: runHttpbin,
  'tcp-echo': runTcpEcho,
  helloworld: runHelloworld,
  curl: () => runIdle('curl'),
  sleep: () => runIdle('sleep'),
  fortio: () => runIdle('fortio'),
};

/** Names accepted by `node src/samples/main.ts <app>`. */
export function listSampleApps(): string[] {
  return Object.keys(APPS);
}

/** Starts `app` in this process; undefined when there is no such app. */
export function runSample(app: string, args: string[], env: Env): Promise<unknown> | undefined {
  const run = Object.hasOwn(APPS, app) ? APPS[app] : undefined;
  return run?.(args, env);
}

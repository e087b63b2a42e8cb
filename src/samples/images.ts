// Which built-in app plays a container image. Local mode has no container runtime, so a Deployment
// using one of Istio's sample images runs the TypeScript twin of that image instead; the version an
// image bakes in (reviews-v2 → black stars) becomes SERVICE_VERSION.

export interface SampleLaunch {
  app: string;
  args: string[];
  env: Record<string, string>;
}

/** The repository's last path segment without tag or digest: `…/curlimages/curl:8.16.0` → `curl`. */
export function imageName(image: string): string {
  const noDigest = image.split('@')[0]!;
  const last = noDigest.slice(noDigest.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return (colon >= 0 ? last.slice(0, colon) : last).toLowerCase();
}

const HTTPBIN = new Set(['httpbin', 'go-httpbin']);
const CLIENTS: Record<string, string> = {
  curl: 'curl',
  'curl-ssl': 'curl',
  sleep: 'sleep',
  fortio: 'fortio',
};

/**
 * Maps a container image (and its container `args`) to the sample app that replaces it, or
 * undefined when the image is not one of Istio's samples (or is one we do not run, e.g. a database).
 */
export function sampleForImage(
  image: string,
  containerArgs: readonly string[] = [],
): SampleLaunch | undefined {
  const name = imageName(image);
  const bookinfo = /^examples-bookinfo-(productpage|details|reviews|ratings)-(v[a-z0-9-]*)$/.exec(name);
  if (bookinfo) {
    // ratings-v2-mysql and friends keep only the version: their database variants answer as v1 does.
    const version = bookinfo[2]!.startsWith('v-') ? bookinfo[2]! : bookinfo[2]!.split('-')[0]!;
    return { app: bookinfo[1]!, args: [], env: { SERVICE_VERSION: version } };
  }
  const hello = /^examples-helloworld-(v[a-z0-9]*)$/.exec(name);
  if (hello) return { app: 'helloworld', args: [], env: { SERVICE_VERSION: hello[1]! } };
  if (HTTPBIN.has(name)) return { app: 'httpbin', args: [], env: {} };
  if (name === 'tcp-echo-server' || name === 'tcp-echo')
    return { app: 'tcp-echo', args: [...containerArgs], env: {} };
  const client = CLIENTS[name];
  if (client) return { app: client, args: [], env: {} };
  return undefined;
}

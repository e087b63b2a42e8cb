// How a sample app learns where it runs. Local mode starts each app as a process and passes what
// Kubernetes would have given the container (its port, pod name, version) as environment variables;
// reading them in one place keeps every app's contract with the runtime identical.

export type Env = Record<string, string | undefined>;

/** Kubernetes' service env prefix: `details` → `DETAILS`, `tcp-echo` → `TCP_ECHO`. */
export function serviceEnvPrefix(service: string): string {
  return service.toUpperCase().replace(/[-.]/g, '_');
}

/** The address to bind: loopback unless HOST says otherwise (no traffic leaves the machine). */
export function listenHost(env: Env): string {
  return env['HOST'] || '127.0.0.1';
}

/** The port from PORT (0 = let the OS choose), else the app's usual container port. */
export function listenPort(env: Env, fallback: number): number {
  return parsePort(env['PORT']) ?? fallback;
}

/** A port number 0–65535 from text, or undefined when the text is not one. */
export function parsePort(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,5}$/.test(text.trim())) return undefined;
  const n = Number(text.trim());
  return n <= 65535 ? n : undefined;
}

/**
 * PORT_MAP (`9000=41234,9001=0`) lets the runtime move each container port of a multi-port app
 * (tcp-echo) to the port it allocated; an unmapped port is used as is.
 */
export function portMap(env: Env): Map<number, number> {
  const out = new Map<number, number>();
  for (const pair of (env['PORT_MAP'] ?? '').split(',')) {
    const [from, to] = pair.split(/[=:]/);
    const a = parsePort(from);
    const b = parsePort(to);
    if (a !== undefined && b !== undefined) out.set(a, b);
  }
  return out;
}

/** The pod name the apps report (reviews' `podname`, helloworld's instance). */
export function podName(env: Env, app: string): string {
  return env['POD_NAME'] || env['HOSTNAME'] || `${app}-local`;
}

/** The sample version (v1/v2/v3), as the images bake it in. */
export function serviceVersion(env: Env): string {
  return env['SERVICE_VERSION'] || 'v1';
}

/** A millisecond override for tests (e.g. PRODUCTPAGE_TIMEOUT_MS), else the app's real value. */
export function durationMs(env: Env, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

// Readiness probes: does a port accept connections, what does an HTTP endpoint answer. Each has a
// short deadline so one stuck process cannot hold up the supervisor's probe round.
import { connect } from 'node:net';

export function tcpProbe(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function httpProbe(
  url: string,
  timeoutMs = 1000,
): Promise<{ status: number; text: string } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, text: await res.text() };
  } catch {
    return undefined;
  }
}

/** Listener names a proxy's admin endpoint reports as bound, or undefined when it does not answer. */
export async function boundListeners(adminPort: number): Promise<Set<string> | undefined> {
  const res = await httpProbe(`http://127.0.0.1:${adminPort}/listeners?format=json`);
  if (res?.status !== 200) return undefined;
  try {
    const body = JSON.parse(res.text) as { listener_statuses?: { name: string }[] };
    return new Set((body.listener_statuses ?? []).map((l) => l.name));
  } catch {
    return undefined;
  }
}

// tcp-echo: a TCP server that answers each line with a prefix, so a client can tell which version
// (`one`, `two`) served it — the TCP traffic-shifting task counts these prefixes.
import { createServer, type Server, type Socket } from 'node:net';
import { type Env, listenHost, parsePort, portMap } from './common/index.ts';

export interface TcpEchoConfig {
  /** Container ports, before PORT_MAP. */
  ports: number[];
  prefix: string;
}

function portsIn(text: string): number[] | undefined {
  if (!/^[\d,\s]+$/.test(text)) return undefined;
  const ports = text
    .split(/[,\s]+/)
    .filter((p) => p !== '')
    .map((p) => parsePort(p));
  return ports.every((p) => p !== undefined) ? (ports as number[]) : undefined;
}

/**
 * Reads ports and prefix from the arguments — Istio's form `9000,9001,9002 one`, or
 * `9000 9001 -- one` — falling back to PORT (comma list allowed) and PREFIX.
 */
export function tcpEchoConfig(args: readonly string[], env: Env): TcpEchoConfig {
  const ports: number[] = [];
  const dash = args.indexOf('--');
  const head = dash >= 0 ? args.slice(0, dash) : args;
  const words: string[] = [];
  for (const arg of head) {
    const p = portsIn(arg);
    if (p) ports.push(...p);
    else words.push(arg);
  }
  if (dash >= 0) words.push(...args.slice(dash + 1));
  const prefix = words.length > 0 ? words.join(' ') : undefined;
  if (ports.length === 0) ports.push(...(portsIn(env['PORT'] ?? '') ?? [9000]));
  return { ports, prefix: prefix ?? env['PREFIX'] ?? 'hello' };
}

function echo(socket: Socket, prefix: string): void {
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      socket.write(`${prefix} ${pending.slice(0, nl + 1)}`);
      pending = pending.slice(nl + 1);
      nl = pending.indexOf('\n');
    }
  });
  // A last line without a newline (the client half-closed) is still answered, then we close too.
  socket.on('end', () => {
    if (pending !== '') socket.write(`${prefix} ${pending}`);
    socket.end();
  });
  socket.on('error', () => socket.destroy());
}

export async function runTcpEcho(args: string[], env: Env): Promise<Server[]> {
  const cfg = tcpEchoConfig(args, env);
  const map = portMap(env);
  const host = listenHost(env);
  const servers: Server[] = [];
  for (const containerPort of cfg.ports) {
    const server = createServer({ allowHalfOpen: true }, (s) => echo(s, cfg.prefix));
    const port = map.get(containerPort) ?? containerPort;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address();
    const bound = typeof addr === 'object' && addr ? addr.port : port;
    process.stdout.write(
      `weft-sample tcp-echo listening on ${host}:${bound} (container port ${containerPort})\n`,
    );
    servers.push(server);
  }
  return servers;
}

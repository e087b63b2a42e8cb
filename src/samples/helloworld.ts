// helloworld: answers /hello with its version and instance, the smallest demo of version routing.
import type { Server } from 'node:http';
import {
  type Env,
  type Handler,
  podName,
  requestPath,
  send,
  serveHttp,
  serviceVersion,
} from './common/index.ts';

export function helloworldHandler(env: Env): Handler {
  const version = serviceVersion(env);
  const pod = podName(env, `helloworld-${version}`);
  return (req, res) => {
    const { pathname } = requestPath(req);
    if (pathname === '/hello') {
      return send(res, 200, 'text/html; charset=utf-8', `Hello version: ${version}, instance: ${pod}\n`);
    }
    if (pathname === '/health') return send(res, 200, 'text/plain; charset=utf-8', 'Helloworld is healthy');
    send(res, 404, 'text/plain; charset=utf-8', 'Not Found\n');
  };
}

export function runHelloworld(_args: string[], env: Env): Promise<Server> {
  return serveHttp('helloworld', helloworldHandler(env), env, 5000);
}

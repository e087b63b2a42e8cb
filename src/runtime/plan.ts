// Deployments → the pods local mode runs. Pure: the same manifests always give the same pod names
// (`<deployment>-<template hash>-<n>`, like Kubernetes' pod-template-hash), so a changed template
// means new pods and an unchanged one keeps its pods across `weft up` runs and re-applies.
import { createHash } from 'node:crypto';
import { sampleForImage } from '../samples/index.ts';

export const COMMAND_ANNOTATION = 'weft.dev/command';

export interface DeploymentInput {
  name: string;
  namespace: string;
  body: Record<string, unknown>;
  /** Where it was declared, for error messages. */
  file: string;
  line: number;
}

export type Launch =
  | { kind: 'sample'; app: string; args: string[]; env: Record<string, string> }
  | { kind: 'command'; argv: string[] };

export interface PodPlan {
  name: string;
  namespace: string;
  deployment: string;
  labels: Record<string, string>;
  serviceAccount: string;
  /** The `app` label (or the deployment name): what `weft status` shows. */
  app: string;
  version: string;
  image: string;
  /** Ports the app listens on: its declared container ports plus any the arguments name. */
  containerPorts: number[];
  launch: Launch;
  /** Literal `env` values of the container. */
  env: Record<string, string>;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strMap = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v))) if (typeof x === 'string') out[k] = x;
  return out;
};

/** Splits a command line the way a shell would for simple cases: whitespace, '…' and "…" quoting. */
export function splitCommandLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: '"' | "'" | undefined;
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

function templateHash(template: unknown): string {
  return createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 9);
}

/** Ports written in arguments as comma lists (tcp-echo's `9000,9001,9002 one`). */
function portsInArgs(args: readonly string[]): number[] {
  const out: number[] = [];
  for (const a of args) {
    if (!/^\d{1,5}(,\d{1,5})*$/.test(a)) continue;
    for (const p of a.split(',')) {
      const n = Number(p);
      if (n > 0 && n < 65536) out.push(n);
    }
  }
  return out;
}

/** Plans the pods of every deployment; a pod that cannot run locally is an error, not skipped. */
export function planPods(deployments: readonly DeploymentInput[]): { pods: PodPlan[]; errors: string[] } {
  const pods: PodPlan[] = [];
  const errors: string[] = [];
  for (const d of deployments) {
    const spec = obj(d.body['spec']);
    const template = obj(spec['template']);
    const tmeta = obj(template['metadata']);
    const tspec = obj(template['spec']);
    const replicas = typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
    const hash = templateHash(template);
    const labels = strMap(tmeta['labels']);
    const annotations = {
      ...strMap(obj(d.body['metadata'])['annotations']),
      ...strMap(tmeta['annotations']),
    };
    const container = obj(list(tspec['containers'])[0]);
    const image = typeof container['image'] === 'string' ? container['image'] : '';
    const args = list(container['args']).map(String);
    const declared = list(container['ports'])
      .map((p) => Number(obj(p)['containerPort']))
      .filter((n) => Number.isInteger(n) && n > 0);
    const env: Record<string, string> = {};
    for (const e of list(container['env'])) {
      const { name, value } = obj(e);
      if (typeof name === 'string' && typeof value === 'string') env[name] = value;
    }
    let launch: Launch | undefined;
    const commandLine = annotations[COMMAND_ANNOTATION];
    if (commandLine !== undefined) {
      const argv = splitCommandLine(commandLine);
      if (argv.length > 0) launch = { kind: 'command', argv };
    } else {
      const sample = sampleForImage(image, args);
      if (sample) launch = { kind: 'sample', ...sample };
    }
    for (let n = 0; n < replicas; n++) {
      const name = `${d.name}-${hash}-${n}`;
      if (!launch) {
        errors.push(
          `${d.file}:${d.line}: pod ${name} (Deployment ${d.namespace}/${d.name}): image ` +
            `${JSON.stringify(image)} is not one of Istio's samples, and there is no container runtime ` +
            `to run it; add the annotation ${COMMAND_ANNOTATION}: "<command line>" to ` +
            `spec.template.metadata.annotations to say which local command plays it`,
        );
        continue;
      }
      pods.push({
        name,
        namespace: d.namespace,
        deployment: d.name,
        labels,
        serviceAccount:
          typeof tspec['serviceAccountName'] === 'string' ? tspec['serviceAccountName'] : 'default',
        app: labels['app'] ?? d.name,
        version: labels['version'] ?? '',
        image,
        containerPorts: [...new Set([...declared, ...portsInArgs(args)])],
        launch,
        env,
      });
    }
  }
  return { pods, errors };
}

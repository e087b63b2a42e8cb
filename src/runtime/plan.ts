// Deployments → the pods local mode runs. Pure: the same manifests always give the same pod names
// (`<deployment>-<template hash>-<n>`, like Kubernetes' pod-template-hash), so a changed template
// means new pods and an unchanged one keeps its pods across `weft up` runs and re-applies. Every
// container of the template runs as its own process; initContainers are reported, not run.
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
  /** The first container's image. */
  image: string;
  /** Ports of every container (the sidecar's inbound listeners cover them all). */
  containerPorts: number[];
  /** Every container of the template, in order; each runs as its own process. */
  containers: ContainerPlan[];
}

export interface ContainerPlan {
  /** Its key in the pod's state and log name: `app` for the first, its own name for the others. */
  key: string;
  /** The Kubernetes container name. */
  name: string;
  image: string;
  /** Ports it listens on: its declared container ports plus any its arguments name. */
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

/** The annotation naming the command of one container: weft.dev/command.<container name>. */
export const containerCommandAnnotation = (name: string): string => `${COMMAND_ANNOTATION}.${name}`;

/** One container's plan, or the reason it cannot run here. */
function planContainer(
  container: Obj,
  index: number,
  annotations: Record<string, string>,
  taken: Set<string>,
): ContainerPlan | { missing: string } {
  const name = typeof container['name'] === 'string' ? container['name'] : `container-${index}`;
  const image = typeof container['image'] === 'string' ? container['image'] : '';
  const args = list(container['args']).map(String);
  const declared = list(container['ports'])
    .map((p) => Number(obj(p)['containerPort']))
    .filter((n) => Number.isInteger(n) && n > 0);
  const env: Record<string, string> = {};
  for (const e of list(container['env'])) {
    const { name: k, value } = obj(e);
    if (typeof k === 'string' && typeof value === 'string') env[k] = value;
  }
  // The plain annotation has always meant the (first) container; a named one picks any container.
  const commandLine =
    annotations[containerCommandAnnotation(name)] ??
    (index === 0 ? annotations[COMMAND_ANNOTATION] : undefined);
  let launch: Launch | undefined;
  if (commandLine !== undefined) {
    const argv = splitCommandLine(commandLine);
    if (argv.length > 0) launch = { kind: 'command', argv };
  } else {
    const sample = sampleForImage(image, args);
    if (sample) launch = { kind: 'sample', ...sample };
  }
  if (!launch) {
    const annotation = index === 0 ? COMMAND_ANNOTATION : containerCommandAnnotation(name);
    return {
      missing:
        `container ${name}: image ${JSON.stringify(image)} is not one of Istio's samples, and there is no ` +
        `container runtime to run it; add the annotation ${annotation}: "<command line>" to ` +
        'spec.template.metadata.annotations to say which local command plays it',
    };
  }
  // `app` and `proxy` name the first container and the sidecar in `weft logs -c`.
  let key = index === 0 ? 'app' : name;
  if (taken.has(key)) key = `${name}-${index}`;
  taken.add(key);
  return { key, name, image, containerPorts: [...new Set([...declared, ...portsInArgs(args)])], launch, env };
}

/**
 * Plans the pods of every deployment; a pod that cannot run locally is an error, not skipped, and
 * what local mode leaves out (initContainers) is a warning.
 */
export function planPods(deployments: readonly DeploymentInput[]): {
  pods: PodPlan[];
  errors: string[];
  warnings: string[];
} {
  const pods: PodPlan[] = [];
  const errors: string[] = [];
  const warnings: string[] = [];
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
    const where = `${d.file}:${d.line}: Deployment ${d.namespace}/${d.name}`;
    const inits = list(tspec['initContainers']).map((c, i) => String(obj(c)['name'] ?? `#${i}`));
    if (inits.length > 0)
      warnings.push(
        `${where}: initContainers (${inits.join(', ')}) are not supported in local mode and do not run; ` +
          'the pod starts without them',
      );
    const taken = new Set(['proxy']);
    const planned = list(tspec['containers']).map((c, i) => planContainer(obj(c), i, annotations, taken));
    const containers = planned.filter((c): c is ContainerPlan => !('missing' in c));
    const missing = planned.flatMap((c) => ('missing' in c ? [c.missing] : []));
    if (planned.length === 0) missing.push('the pod template has no containers');
    for (let n = 0; n < replicas; n++) {
      const name = `${d.name}-${hash}-${n}`;
      if (missing.length > 0) {
        for (const m of missing)
          errors.push(`${d.file}:${d.line}: pod ${name} (Deployment ${d.namespace}/${d.name}): ${m}`);
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
        image: containers[0]!.image,
        containerPorts: [...new Set(containers.flatMap((c) => c.containerPorts))],
        containers,
      });
    }
  }
  return { pods, errors, warnings };
}

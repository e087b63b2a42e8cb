// What `weft up -f` checks before anything starts: every document parses and validates (file:line
// errors, as `weft validate` prints them), every Deployment's pods can run here, and the gateway
// ports are free. Any problem means nothing starts.
import { readFile } from 'node:fs/promises';
import { formatIssue, loadFiles, validateDocuments } from '../api/index.ts';
import type { GatewayPorts } from './gateway.ts';
import { planPods } from './plan.ts';
import { portIsFree } from './ports.ts';

export interface Manifest {
  file: string;
  text: string;
}

export interface CheckedManifests {
  manifests: Manifest[];
  deployments: number;
  errors: string[];
  /** What runs differently from Kubernetes (initContainers are left out). */
  warnings: string[];
}

export async function checkManifests(paths: string[]): Promise<CheckedManifests> {
  if (paths.includes('-')) {
    return {
      manifests: [],
      deployments: 0,
      errors: ['weft up does not read standard input: save the YAML to a file and pass -f <file>'],
      warnings: [],
    };
  }
  const loaded = await loadFiles(paths, async () => '');
  const issues = [...loaded.issues, ...validateDocuments(loaded.docs)].filter((i) => i.severity === 'error');
  const errors = issues.map(formatIssue);
  const deployments = loaded.docs.filter((d) => d.kind === 'Deployment');
  const plan = planPods(
    deployments.map((d) => ({
      name: d.metadata.name,
      namespace: d.metadata.namespace ?? 'default',
      body: d.body,
      file: d.file,
      line: d.line,
    })),
  );
  errors.push(...plan.errors);
  const manifests: Manifest[] = [];
  for (const file of loaded.files) manifests.push({ file, text: await readFile(file, 'utf8') });
  return { manifests, deployments: deployments.length, errors, warnings: plan.warnings };
}

/** Errors for gateway ports something else already listens on, naming the flag to change. */
export async function checkGatewayPorts(ports: GatewayPorts): Promise<string[]> {
  const flags: [keyof GatewayPorts, string][] = [
    ['http', '--http-port'],
    ['https', '--https-port'],
    ['tcp', '--tcp-port'],
  ];
  const errors: string[] = [];
  for (const [key, flag] of flags) {
    if (!(await portIsFree(ports[key]))) {
      errors.push(
        `127.0.0.1:${ports[key]} (the ingress gateway's ${key} port) is already in use: stop what ` +
          `listens there or pick another port with ${flag}`,
      );
    }
  }
  return errors;
}

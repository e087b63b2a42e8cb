// ObjectMeta checks every known kind gets from the API server: a valid name and namespace, and
// well-formed label and annotation keys.
import type { SchemaIssue } from '../schema/index.ts';
import { dns1123Label, dns1123Subdomain, labelValue, qualifiedName } from './names.ts';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function checkMetadata(body: Record<string, unknown>, nameIsLabel: boolean): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  const meta = body['metadata'];
  if (meta === undefined || meta === null) {
    return [
      {
        path: ['metadata', 'name'],
        message: 'required field is missing',
        hint: 'every resource needs metadata.name',
      },
    ];
  }
  if (!isObject(meta)) return [{ path: ['metadata'], message: 'must be an object' }];
  const name = meta['name'];
  if (name === undefined || name === null || name === '') {
    if (typeof meta['generateName'] !== 'string') {
      out.push({
        path: ['metadata', 'name'],
        message: 'required field is missing',
        hint: 'every resource needs metadata.name',
      });
    }
  } else if (typeof name !== 'string') {
    out.push({ path: ['metadata', 'name'], message: `must be a string, got ${JSON.stringify(name)}` });
  } else {
    const problem = nameIsLabel ? dns1123Label(name) : dns1123Subdomain(name);
    if (problem)
      out.push({ path: ['metadata', 'name'], message: `invalid name ${JSON.stringify(name)}: ${problem}` });
  }
  const ns = meta['namespace'];
  if (ns !== undefined && ns !== null) {
    const problem = typeof ns === 'string' ? dns1123Label(ns) : 'must be a string';
    if (problem)
      out.push({
        path: ['metadata', 'namespace'],
        message: `invalid namespace ${JSON.stringify(ns)}: ${problem}`,
      });
  }
  for (const field of ['labels', 'annotations'] as const) {
    const map = meta[field];
    if (map === undefined || map === null) continue;
    if (!isObject(map)) {
      out.push({ path: ['metadata', field], message: 'must be a map of string keys to string values' });
      continue;
    }
    for (const [key, value] of Object.entries(map)) {
      const keyProblem = qualifiedName(key);
      if (keyProblem)
        out.push({
          path: ['metadata', field, key],
          message: `invalid key ${JSON.stringify(key)}: ${keyProblem}`,
        });
      if (typeof value !== 'string') {
        out.push({
          path: ['metadata', field, key],
          message: `must be a string, got ${JSON.stringify(value)}`,
          hint: 'quote numbers and booleans, e.g. "true"',
        });
      } else if (field === 'labels') {
        const valueProblem = labelValue(value);
        if (valueProblem)
          out.push({
            path: ['metadata', field, key],
            message: `invalid label value ${JSON.stringify(value)}: ${valueProblem}`,
          });
      }
    }
  }
  return out;
}

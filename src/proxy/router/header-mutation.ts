// request/response_headers_to_add and *_headers_to_remove at one level (weighted cluster, route,
// virtual host or route configuration), compiled. Within a level Envoy removes first, then adds in
// order, each add following its append_action; a value that formats to '' is dropped unless
// keep_empty_value is set.

import type { HeaderAppendAction, HeaderMutationConfig } from '../config/index.ts';
import type { HeaderMap } from '../headers/index.ts';
import { type CompiledFormat, compileFormat } from './formatter.ts';
import type { FormatContext, RequestView } from './types.ts';

interface CompiledAdd {
  key: string;
  value: CompiledFormat;
  action: HeaderAppendAction;
  keepEmpty: boolean;
}

export interface CompiledMutation {
  /** No adds and no removes: callers skip it. */
  readonly isEmpty: boolean;
  apply(headers: HeaderMap, req: RequestView, ctx: FormatContext): void;
}

export type MutationResult =
  | { ok: true; value: CompiledMutation }
  | { ok: false; field: string; error: string };

export const EMPTY_MUTATION: CompiledMutation = { isEmpty: true, apply: () => {} };

function forbidden(name: string): boolean {
  // Envoy rejects pseudo-headers and Host in header mutations: they are routing inputs.
  return name.startsWith(':') || name === 'host';
}

export function compileMutation(m: HeaderMutationConfig): MutationResult {
  if (m.add.length === 0 && m.remove.length === 0) return { ok: true, value: EMPTY_MUTATION };
  const removes: string[] = [];
  for (let i = 0; i < m.remove.length; i++) {
    const name = m.remove[i]!.toLowerCase();
    if (forbidden(name))
      return { ok: false, field: `remove[${i}]`, error: `cannot remove ${JSON.stringify(name)}` };
    removes.push(name);
  }
  const adds: CompiledAdd[] = [];
  for (let i = 0; i < m.add.length; i++) {
    const a = m.add[i]!;
    const key = a.key.toLowerCase();
    if (key === '') return { ok: false, field: `add[${i}].key`, error: 'header name is empty' };
    if (forbidden(key))
      return { ok: false, field: `add[${i}].key`, error: `cannot set ${JSON.stringify(key)}` };
    const value = compileFormat(a.value);
    if (!value.ok) return { ok: false, field: `add[${i}].value`, error: value.error };
    adds.push({ key, value: value.value, action: a.appendAction, keepEmpty: a.keepEmptyValue });
  }
  const nAdds = adds.length;
  const nRemoves = removes.length;
  return {
    ok: true,
    value: {
      isEmpty: false,
      apply(headers, req, ctx) {
        for (let i = 0; i < nRemoves; i++) headers.remove(removes[i]!);
        for (let i = 0; i < nAdds; i++) {
          const a = adds[i]!;
          const value = a.value.constant ?? a.value.format(req, ctx);
          if (value === '' && !a.keepEmpty) continue;
          switch (a.action) {
            case 'APPEND_IF_EXISTS_OR_ADD':
              headers.add(a.key, value);
              break;
            case 'ADD_IF_ABSENT':
              if (!headers.has(a.key)) headers.add(a.key, value);
              break;
            case 'OVERWRITE_IF_EXISTS_OR_ADD':
              headers.set(a.key, value);
              break;
            case 'OVERWRITE_IF_EXISTS':
              if (headers.has(a.key)) headers.set(a.key, value);
              break;
          }
        }
      },
    },
  };
}

// Envoy's default tag extraction, for the stats this proxy emits: a flat stat name such as
// 'cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_200' becomes the
// tag-extracted name 'cluster.upstream_rq' with tags envoy.response_code="200" and
// envoy.cluster_name="outbound|9080||reviews.default.svc.cluster.local", which Prometheus renders as
// envoy_cluster_upstream_rq{envoy_response_code="200",envoy_cluster_name="…"}.
//
// Envoy extracts with regexes over the flat name, whose default tag value pattern `[^.]+` cannot
// hold a dot. Stats here are created through scopes, so the value's bounds are known exactly: a
// scope 'cluster.<name>.' binds the whole <name> (dots included), which is what a user reading
// Istio's cluster names expects. Names created flat (no scope) follow Envoy's `[^.]+` rule.
// Extractors implemented: envoy.cluster_name, envoy.listener_address, envoy.http_conn_manager_prefix
// (also under listener.<address>.http.), envoy.response_code and envoy.response_code_class.

export type Tag = readonly [name: string, value: string];

/** Where a scope's prefix stands after extraction: the extracted prefix and its tags (outer first). */
export interface TagContext {
  readonly extracted: string;
  readonly tags: readonly Tag[];
}

export const ROOT_CONTEXT: TagContext = { extracted: '', tags: [] };

// Envoy's <ADDRESS>: IPv4 or bracketed IPv6 with '_' for ':' separators, then '_port'.
const ADDRESS_RE = /^(?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[[a-fA-F_\d]+\])_\d+$/;
const ADDRESS_PREFIX_RE = /^((?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[[a-fA-F_\d]+\])_\d+)\./;
const RESPONSE_CODE_RE = /_rq_(\d{3})$/;
const RESPONSE_CODE_CLASS_RE = /_rq_(\d)xx$/;

/**
 * Extends `ctx` by one scope segment `segment` (ending in '.'), whose value part is taken whole:
 * 'cluster.<value>.', 'listener.<address>.', 'http.<value>.'; any other segment is kept in the name.
 */
export function extendContext(ctx: TagContext, segment: string): TagContext {
  const dot = segment.indexOf('.');
  if (dot > 0 && segment.length > dot + 2) {
    const head = segment.slice(0, dot);
    const value = segment.slice(dot + 1, -1);
    const tagged = tagFor(ctx.extracted, head, value);
    if (tagged) return { extracted: ctx.extracted + head + '.', tags: [...ctx.tags, tagged] };
  }
  return { extracted: ctx.extracted + segment, tags: ctx.tags };
}

function tagFor(extracted: string, head: string, value: string): Tag | undefined {
  if (head === 'cluster' && extracted === '') return ['envoy.cluster_name', value];
  if (head === 'listener' && extracted === '' && ADDRESS_RE.test(value)) {
    return ['envoy.listener_address', value];
  }
  if (head === 'http' && (extracted === '' || extracted === 'listener.')) {
    return ['envoy.http_conn_manager_prefix', value];
  }
  return undefined;
}

/**
 * Walks a flat name's leading segments with Envoy's rules (value = one dot-free token; listener
 * addresses may contain dots) and returns the context and the remaining leaf.
 */
export function contextForFlatName(ctx: TagContext, name: string): { ctx: TagContext; leaf: string } {
  let rest = name;
  for (;;) {
    const dot = rest.indexOf('.');
    if (dot <= 0) return { ctx, leaf: rest };
    const head = rest.slice(0, dot);
    const after = rest.slice(dot + 1);
    let value: string | undefined;
    if (head === 'listener') value = ADDRESS_PREFIX_RE.exec(after)?.[1];
    else if (head === 'cluster' || head === 'http') {
      const d = after.indexOf('.');
      value = d > 0 ? after.slice(0, d) : undefined;
    }
    if (value === undefined || after.length === value.length + 1) return { ctx, leaf: rest };
    const next = extendContext(ctx, head + '.' + value + '.');
    if (next.extracted === ctx.extracted + head + '.' + value + '.') return { ctx, leaf: rest };
    ctx = next;
    rest = after.slice(value.length + 1);
  }
}

/** The tag-extracted name and all tags for a leaf stat name under `ctx` (leaf tags first). */
export function extractLeaf(ctx: TagContext, leaf: string): { name: string; tags: Tag[] } {
  const tags: Tag[] = [];
  let name = leaf;
  const code = RESPONSE_CODE_RE.exec(leaf);
  if (code) {
    name = leaf.slice(0, code.index) + '_rq';
    tags.push(['envoy.response_code', code[1]!]);
  } else {
    const cls = RESPONSE_CODE_CLASS_RE.exec(leaf);
    if (cls) {
      name = leaf.slice(0, cls.index) + '_rq_xx';
      tags.push(['envoy.response_code_class', cls[1]!]);
    }
  }
  for (let i = ctx.tags.length - 1; i >= 0; i--) tags.push(ctx.tags[i]!);
  return { name: ctx.extracted + name, tags };
}

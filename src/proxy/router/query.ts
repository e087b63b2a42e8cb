// Query parameters read straight from the request target, without building a map: a route has
// one or two query matchers at most, so scanning the query string per matcher is cheaper.

/** Envoy's percent-decoding: %xx sequences become bytes (UTF-8); malformed ones stay as they are. */
export function percentDecode(text: string): string {
  if (text.indexOf('%') === -1) return text;
  const src = Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(src.length);
  let w = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === 37 && i + 2 < src.length && isHex(src[i + 1]!) && isHex(src[i + 2]!)) {
      out[w++] = (hexValue(src[i + 1]!) << 4) | hexValue(src[i + 2]!);
      i += 2;
    } else {
      out[w++] = c;
    }
  }
  return out.toString('utf8', 0, w);
}

function hexValue(c: number): number {
  return c <= 57 ? c - 48 : (c | 32) - 87;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * The first value of query parameter `name` (decoded) in `path`, whose '?' is at `queryStart`
 * (-1 when there is none). A parameter without '=' has the empty value. Undefined when absent.
 */
export function queryParam(path: string, queryStart: number, name: string): string | undefined {
  if (queryStart === -1) return undefined;
  let end = path.indexOf('#', queryStart);
  if (end === -1) end = path.length;
  let i = queryStart + 1;
  while (i <= end) {
    let amp = path.indexOf('&', i);
    if (amp === -1 || amp > end) amp = end;
    if (amp > i) {
      let eq = path.indexOf('=', i);
      if (eq === -1 || eq > amp) eq = amp;
      const key = path.slice(i, eq);
      if (key === name || (key.indexOf('%') !== -1 && percentDecode(key) === name)) {
        return eq === amp ? '' : percentDecode(path.slice(eq + 1, amp));
      }
    }
    i = amp + 1;
  }
  return undefined;
}

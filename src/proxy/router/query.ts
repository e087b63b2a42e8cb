// Query parameters read straight from the request target, without building a map: a route has
// one or two query matchers at most, so scanning the query string per matcher is cheaper. Names
// and values are compared as sent, not percent-decoded: Envoy's route matching and its
// query_parameter hash policy both read them with QueryParamsMulti::parseQueryString, which does
// not decode (so `?lang=%65n` is not `lang=en`).

/**
 * The first value of query parameter `name` in `path` as written, whose '?' is at `queryStart`
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
      if (key === name) return eq === amp ? '' : path.slice(eq + 1, amp);
    }
    i = amp + 1;
  }
  return undefined;
}

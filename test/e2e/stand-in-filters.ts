// Preloaded into the processes of a test mesh (NODE_OPTIONS=--import): pilot puts the fault and
// CORS filters on every HTTP listener, and until the proxy engine ships them it refuses such
// listeners. Stand-ins that never act on a route let the routing tasks run; they register only
// when the engine has no filter of that name, so the real filters take over as soon as they land.
// No test using this configures a fault or CORS policy. Only `weft proxy` processes load it.
if (process.argv[1]?.endsWith('weft.js') && process.argv[2] === 'proxy') {
  const { httpFilterFactory, registerHttpFilter } = await import('../../src/proxy/http/filter.ts');
  for (const name of ['envoy.filters.http.fault', 'envoy.filters.http.cors']) {
    if (!httpFilterFactory(name)) registerHttpFilter({ name, forRoute: () => undefined });
  }
}

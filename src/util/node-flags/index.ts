// The Node flags a proxy process runs with, wherever Weft starts one (the local mesh's sidecars
// and gateways, the benchmark).
//
// --no-async-context-frame: Node 24 carries an AsyncContextFrame (AsyncLocalStorage's store)
// across every native callback, making and freeing a V8 global handle each time — two reads per
// proxied request make that about 7 % of the proxy's user CPU (interleaved A/B). The proxy uses no
// AsyncLocalStorage, so it gives nothing up.
export const PROXY_NODE_FLAGS: readonly string[] = ['--no-async-context-frame'];

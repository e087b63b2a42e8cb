// Envoy's tcp_proxy: compile per filter chain, serve accepted sockets.
export { type CompiledTcpProxy, compileTcpProxy, serveTcp } from './tcp-proxy.ts';

// Listeners: bind, filter-chain match (port, IP, SNI, transport, ALPN, source), TLS termination,
// hand-over to the HTTP connection manager or the TCP proxy.
export {
  type CompiledMatch,
  type ConnectionFacts,
  compileMatch,
  parseCidr,
  selectChain,
} from './chain-match.ts';
export { type HelloPeek, peekClientHello } from './client-hello.ts';
export { ActiveListener, compileListener, type ListenerContext, Workers } from './listener-manager.ts';

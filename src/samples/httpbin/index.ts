// httpbin, as httpbin.org answers the endpoints the tutorials use.
export { httpbinHandler, logLine, runHttpbin } from './httpbin.ts';
export { canonicalHeaderName } from './request-info.ts';
export { chooseStatus, parseStatusCodes, type WeightedCode } from './status.ts';

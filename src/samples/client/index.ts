// Client pods: an idle process plus a curl-like command that goes through the pod's sidecar.
export { type CurlIo, curl, parseCurlArgs } from './curl.ts';
export { type HttpGetOptions, type HttpGetResult, httpGet } from './http-get.ts';
export { runIdle } from './idle.ts';

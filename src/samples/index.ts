// Istio's sample apps, reimplemented for local mode. The runtime maps a pod's image to an app with
// `sampleForImage`, then starts it as its own process: `node src/samples/main.ts <app> [args]` with
// PORT, SERVICE_VERSION, POD_NAME and HTTP_PROXY in its environment. Once listening, an app prints
// `weft-sample <app> listening on <host>:<port>` (client apps: `weft-sample <app> idle`).
// `main.ts curl <curl flags> <url>` runs one curl command in a pod's environment and exits.
export { listSampleApps, runSample, type SampleRunner } from './apps.ts';
export { type CurlIo, curl, type HttpGetOptions, type HttpGetResult, httpGet } from './client/index.ts';
export { type Env, type MeshResponse, meshRequest, readyLine, resolveTarget } from './common/index.ts';
export { imageName, type SampleLaunch, sampleForImage } from './images.ts';

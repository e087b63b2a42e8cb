// HTTP filters beyond the router core, and the router's resilience pieces the stream drives
// (retries, per-try timeouts, the x-envoy-* control headers, request mirroring). Filters register
// through registerHttpFilter when this module loads.
import './cors/index.ts';
import './fault/index.ts';

export { SHADOW_BUFFER_LIMIT, type Shadows, sendMirrors, shadowAuthority } from './router/mirror.ts';
export {
  type AttemptFailure,
  type CompiledRetryPolicy,
  honoursEnvoyHeaders,
  type UpstreamControls,
  upstreamControls,
} from './router/retry-policy.ts';
export { type RetryOwner, RetryState } from './router/retry-state.ts';

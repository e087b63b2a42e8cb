// One request's retries (Envoy's RetryState): decides after each failed attempt whether to try
// again, holds the request body while a retry may need it, runs the per-try timeout and the
// back-off timer, and keeps the retry stats and the max_retries circuit breaker. It exists only
// for requests whose route (or x-envoy-retry-on) asks for retries or a per-try timeout.
import type { HeaderSource } from '../../../headers/index.ts';
import { ResponseFlag, type StreamInfo } from '../../../observe/index.ts';
import type { UpstreamCluster, UpstreamHost } from '../../../upstream/index.ts';
import {
  type AttemptFailure,
  backoffMs,
  type CompiledRetryPolicy,
  retriableFailure,
  retriableResponse,
} from './retry-policy.ts';

/** The stream as the retry state drives it. */
export interface RetryOwner {
  readonly done: boolean;
  readonly responseStarted: boolean;
  readonly info: StreamInfo;
  /** Starts the next attempt: a new host (avoiding `excludedHosts`) and connection. */
  startNextAttempt(): void;
  /** The current attempt ran past the per-try timeout. */
  onPerTryTimeout(): void;
}

export class RetryState {
  readonly policy: CompiledRetryPolicy;
  private readonly owner: RetryOwner;
  private readonly cluster: UpstreamCluster;
  private retriesDone = 0;
  private perTryTimer: NodeJS.Timeout | undefined;
  private backoffTimer: NodeJS.Timeout | undefined;
  private holdingBreaker = false;
  /** Request body kept for a retry (Envoy buffers it up to the buffer limit, then gives up retrying). */
  body: Buffer[] | undefined;
  private bodyBytes = 0;
  private bodyTooLarge = false;
  /** Hosts tried, for retry_host_predicate previous_hosts. */
  excludedHosts: Set<UpstreamHost> | undefined;
  private readonly firePerTry = () => {
    this.perTryTimer = undefined;
    if (!this.owner.done && !this.owner.responseStarted) this.owner.onPerTryTimeout();
  };
  private readonly fireBackoff = () => {
    this.backoffTimer = undefined;
    this.releaseBreaker();
    if (!this.owner.done) this.owner.startNextAttempt();
  };

  constructor(policy: CompiledRetryPolicy, owner: RetryOwner, cluster: UpstreamCluster, hasBody: boolean) {
    this.policy = policy;
    this.owner = owner;
    this.cluster = cluster;
    if (hasBody) this.body = [];
  }

  get retries(): number {
    return this.retriesDone;
  }

  /** A chunk of request body: kept while it fits, else retries are off for this request. */
  keepBody(chunk: Buffer): void {
    if (this.body === undefined) return;
    this.bodyBytes += chunk.length;
    if (this.bodyBytes > this.cluster.config.perConnectionBufferLimitBytes) {
      this.body = undefined;
      this.bodyTooLarge = true;
      return;
    }
    this.body.push(chunk);
  }

  /** The attempt's request is fully sent: the per-try timeout starts. */
  attemptSent(): void {
    const ms = this.policy.perTryTimeoutMs;
    if (ms <= 0 || this.perTryTimer !== undefined) return;
    this.perTryTimer = setTimeout(this.firePerTry, ms);
    this.perTryTimer.unref();
  }

  /** A response head arrived: true when it is dropped because a retry was scheduled. */
  onResponse(status: number, headers: HeaderSource, host: UpstreamHost | undefined): boolean {
    this.clearPerTry();
    return this.decide(retriableResponse(this.policy, status, headers), host);
  }

  /** The attempt got no response: true when a retry was scheduled. */
  onFailure(kind: AttemptFailure, host: UpstreamHost | undefined): boolean {
    this.clearPerTry();
    return this.decide(retriableFailure(this.policy, kind), host);
  }

  private decide(retriable: boolean, host: UpstreamHost | undefined): boolean {
    const owner = this.owner;
    const stats = this.cluster.stats;
    if (owner.done || owner.responseStarted) return false;
    if (!retriable) {
      if (this.retriesDone > 0) stats.upstreamRqRetrySuccess.inc();
      return false;
    }
    if (this.bodyTooLarge) return false;
    if (this.retriesDone >= this.policy.numRetries) {
      stats.upstreamRqRetryLimitExceeded.inc();
      owner.info.responseFlags |= ResponseFlag.UpstreamRetryLimitExceeded;
      return false;
    }
    // max_retries: retries in flight (here, waiting out their back-off) across the cluster.
    if (!this.cluster.circuitBreakers.tryAcquire('retries')) {
      // Envoy's router marks a retry refused by the breaker as UO (RetryStatus::NoOverflow).
      owner.info.responseFlags |= ResponseFlag.UpstreamOverflow;
      return false;
    }
    this.holdingBreaker = true;
    this.retriesDone++;
    stats.upstreamRqRetry.inc();
    stats.upstreamRqRetryBackoffExponential.inc();
    if (this.policy.otherHost && host) (this.excludedHosts ??= new Set()).add(host);
    this.backoffTimer = setTimeout(this.fireBackoff, backoffMs(this.policy, this.retriesDone, Math.random()));
    this.backoffTimer.unref();
    return true;
  }

  /** The stream ended or gave up on the upstream: no timer may fire any more. */
  cancel(): void {
    this.clearPerTry();
    if (this.backoffTimer !== undefined) clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    this.releaseBreaker();
  }

  private clearPerTry(): void {
    if (this.perTryTimer !== undefined) clearTimeout(this.perTryTimer);
    this.perTryTimer = undefined;
  }

  private releaseBreaker(): void {
    if (!this.holdingBreaker) return;
    this.holdingBreaker = false;
    this.cluster.circuitBreakers.release('retries');
  }
}

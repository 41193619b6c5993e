/**
 * Counters of things domain events do not carry, reported by the application as they happen (the
 * Prometheus adapter implements it; the default does nothing). Every method is synchronous, cheap and
 * never throws: a metrics sink must not fail the work it observes.
 */
export interface RuntimeMetrics {
  /** A job's lease (and repo lock) renewal failed: the store errored, or the lease was lost. */
  lockRenewFailed(): void;
  /** `count` jobs were taken back from expired leases (requeued or failed for good); 0 is allowed. */
  leaseTakeovers(count: number): void;
  /** A tool binary was downloaded and installed into the cache. */
  toolInstalled(tool: string): void;
  /** A tool binary was already in the cache (or on PATH): no install needed. */
  toolCacheHit(tool: string): void;
}

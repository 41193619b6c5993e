/**
 * Start times of running jobs, keyed by job id, so a `job.completed`/`job.failed` event can be turned
 * into a duration. Bounded: a job whose end is never seen (its process died before the event, or this
 * process started after it) must not grow the map forever, so the oldest entry is dropped at capacity.
 */
export class JobDurations {
  readonly #started = new Map<string, number>();

  constructor(private readonly capacity = 10_000) {}

  start(jobId: string, at: number): void {
    // Re-inserting moves the key to the end, so eviction order stays "least recently started".
    this.#started.delete(jobId);
    this.#started.set(jobId, at);
    if (this.#started.size > this.capacity) {
      const oldest = this.#started.keys().next().value;
      if (oldest !== undefined) this.#started.delete(oldest);
    }
  }

  /** Seconds since the job's start, or null when its start was not seen. Forgets the job either way. */
  finish(jobId: string, at: number): number | null {
    const startedAt = this.#started.get(jobId);
    if (startedAt === undefined) return null;
    this.#started.delete(jobId);
    return Math.max(0, at - startedAt) / 1000;
  }

  get size(): number {
    return this.#started.size;
  }
}

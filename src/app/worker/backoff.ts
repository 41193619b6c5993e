/** Exponential backoff with jitter for retrying an unreachable adapter: 100 ms doubling up to 5 s. */
export interface Backoff {
  next(): number;
  reset(): void;
}

export function makeBackoff(baseMs = 100, maxMs = 5_000): Backoff {
  let attempt = 0;
  return {
    next() {
      const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
      attempt = Math.min(attempt + 1, 30);
      // Full jitter keeps many workers from hammering a recovering Redis in lockstep.
      return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
    },
    reset() {
      attempt = 0;
    },
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. Never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

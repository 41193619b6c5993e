import type { Logger } from '../../ports/logger.port.js';
import { errorSummary } from '../publish.js';

export interface OutboxPumpDeps {
  /** Moves every waiting result from the outbox into `data_dir`; returns how many it recorded. */
  readonly drainOutbox: () => Promise<number>;
  readonly logger: Logger;
  /** How often the outbox is drained without a nudge (default 1 s). */
  readonly intervalMs?: number;
}

export interface OutboxPump {
  /** Drains now and then every `intervalMs` (unref'd timer). Idempotent. */
  start(): void;
  /**
   * Drains now; resolves once every entry that was in the outbox when called is recorded (or the drain
   * failed, which is logged). Concurrent calls share one drain plus at most one follow-up. Never rejects.
   */
  drainNow(): Promise<void>;
  /** Stops the timer and runs a last drain (once: later calls return at once). */
  stop(): Promise<void>;
}

const DEFAULT_INTERVAL_MS = 1_000;

/**
 * serve's half of "workers need no shared disk": workers push finished runs to a Redis outbox and this
 * pump records them into the fs ResultStore, the only writer of `data_dir`. A failing drain (Redis down)
 * is logged once, and again when it recovers, rather than every tick.
 */
export function makeOutboxPump(deps: OutboxPumpDeps): OutboxPump {
  const log = deps.logger.child({ component: 'outbox' });
  let timer: ReturnType<typeof setInterval> | null = null;
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  let failing = false;
  let stopped = false;

  async function runOnce(): Promise<void> {
    try {
      const recorded = await deps.drainOutbox();
      if (recorded > 0) log.debug({ recorded }, 'results recorded from the outbox');
      if (failing) log.info({}, 'result outbox drains again');
      failing = false;
    } catch (error) {
      if (!failing) log.warn({ err: errorSummary(error) }, 'draining the result outbox failed; retrying');
      failing = true;
    }
  }

  function drainNow(): Promise<void> {
    if (running === null) {
      running = runOnce().finally(() => {
        running = null;
      });
      return running;
    }
    // A drain in progress may have started before the caller's entry arrived: queue one more after it.
    queued ??= running.then(() => {
      queued = null;
      return drainNow();
    });
    return queued;
  }

  return {
    start() {
      if (timer !== null || stopped) return;
      timer = setInterval(() => void drainNow(), deps.intervalMs ?? DEFAULT_INTERVAL_MS);
      timer.unref();
      // Results that arrived while no serve was running are recorded right away.
      void drainNow();
    },
    drainNow,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== null) clearInterval(timer);
      timer = null;
      await drainNow();
    },
  };
}

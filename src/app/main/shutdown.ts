import type { CommandIO } from './command.js';

export interface ShutdownWatch {
  /** Aborts on the first SIGTERM/SIGINT (or when `io.shutdown` aborts); `reason` is the signal name. */
  readonly signal: AbortSignal;
  /** Resolves with the reason once shutdown was requested. */
  readonly requested: Promise<string>;
  /** Removes the signal handlers. */
  dispose(): void;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * How a long-running command learns it should stop: `io.shutdown` when the caller gives one (tests,
 * embedders), else SIGTERM/SIGINT. A second signal while shutting down exits at once with 130, for
 * an operator who does not want to wait for the drain grace.
 */
export function watchShutdown(io: CommandIO, onForce: () => void = () => process.exit(130)): ShutdownWatch {
  const controller = new AbortController();
  const requested = new Promise<string>((resolve) => {
    controller.signal.addEventListener('abort', () => resolve(String(controller.signal.reason)), {
      once: true,
    });
  });
  if (io.shutdown) {
    const outer = io.shutdown;
    const forward = () => controller.abort('shutdown');
    if (outer.aborted) forward();
    else outer.addEventListener('abort', forward, { once: true });
    return {
      signal: controller.signal,
      requested,
      dispose: () => outer.removeEventListener('abort', forward),
    };
  }
  const handler = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) onForce();
    else controller.abort(name);
  };
  for (const name of SIGNALS) process.on(name, handler);
  return {
    signal: controller.signal,
    requested,
    dispose: () => {
      for (const name of SIGNALS) process.off(name, handler);
    },
  };
}

/** Extra time after `worker.drain_grace` before a stuck shutdown gives up. */
export const SHUTDOWN_SLACK_MS = 5_000;

/**
 * Bounds a graceful shutdown. With Redis unreachable every command waits through its retries, so the last
 * reaper tick, outbox drain or connection close can hold the exit for minutes. After `ms` the process
 * exits anyway (code 0: nothing is lost, leases expire and the outbox stays in Redis) when it runs on
 * signals; under `io.shutdown` (tests, embedders) it only logs. Returns the disarm.
 */
export function armShutdownDeadline(
  io: CommandIO,
  ms: number,
  log: { warn(obj: object, msg?: string): void },
): () => void {
  const timer = setTimeout(() => {
    const exiting = io.shutdown === undefined;
    log.warn({ afterMs: ms, exiting }, 'shutdown did not finish in time (redis unreachable?)');
    if (exiting) process.exit(0);
  }, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

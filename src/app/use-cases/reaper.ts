import type { DomainEvent } from '../../domain/events.js';
import type { LockPolicy } from '../../domain/lock-policy.js';
import { HOUR } from '../../domain/lock-policy.js';
import type { Clock } from '../../ports/clock.port.js';
import type { EventBus } from '../../ports/event-bus.port.js';
import type { JobQueue } from '../../ports/job-queue.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { RuntimeMetrics } from '../../ports/runtime-metrics.port.js';
import type { TaskStore } from '../../ports/task-store.port.js';
import { errorSummary, publishEvents } from '../publish.js';

export interface ReaperDeps {
  jobQueue: JobQueue;
  taskStore: TaskStore;
  lockPolicy: LockPolicy;
  eventBus: EventBus;
  clock: Clock;
  logger: Logger;
  /** Counts the jobs taken back from expired leases (`leaseTakeovers`); none when absent. */
  runtimeMetrics?: RuntimeMetrics;
}

export interface ReapReport {
  /** Jobs whose lease expired: requeued or failed for good. */
  readonly recovered: number;
  /** Live tasks failed for exceeding `task_max_age`. */
  readonly expired: number;
  /** Repo locks of live tasks extended. */
  readonly renewed: number;
  /** Finished task/job records removed (the hourly purge), 0 when it did not run. */
  readonly purged: number;
}

export interface Reaper {
  /** One pass. Each step is independent: a failing step is logged at warn and the others still run. */
  tick(): Promise<ReapReport>;
  /** Runs `tick` every `reapEveryMs` (unref'd timer: it never keeps the process alive). Idempotent. */
  start(): void;
  /** Stops the timer and waits for a running tick. */
  stop(): Promise<void>;
}

const RECOVER_BATCH = 500;
const PURGE_EVERY_MS = HOUR;

/**
 * The lease reaper: returns jobs of dead workers to the queue, fails tasks older than `task_max_age`,
 * keeps the repo locks of live tasks alive and purges old records. Every step is atomic in the store and
 * safe to run from several processes at once.
 */
export function makeReaper(deps: ReaperDeps): Reaper {
  const log = deps.logger.child({ component: 'reaper' });
  let timer: ReturnType<typeof setInterval> | null = null;
  let running: Promise<ReapReport> | null = null;
  let lastPurgeAt: number | null = null;

  async function step<T>(name: string, fallback: T, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      log.warn({ step: name, err: errorSummary(error) }, 'reaper step failed');
      return fallback;
    }
  }

  async function recover(): Promise<number> {
    const { jobs, events } = await deps.jobQueue.recoverExpired(RECOVER_BATCH);
    if (jobs.length > 0) deps.runtimeMetrics?.leaseTakeovers(jobs.length);
    await publishLogged(events);
    for (const job of jobs) {
      log.warn(
        { jobId: job.id, taskId: job.taskId, repo: job.repo, status: job.status },
        'job lease expired',
      );
    }
    return jobs.length;
  }

  async function expire(): Promise<number> {
    const { tasks, events } = await deps.taskStore.expireTasks(deps.lockPolicy.taskMaxAgeMs);
    await publishLogged(events);
    for (const task of tasks) log.warn({ taskId: task.id, repo: task.repo }, 'task exceeded task_max_age');
    return tasks.length;
  }

  async function purge(): Promise<number> {
    const now = deps.clock.now();
    if (lastPurgeAt !== null && now - lastPurgeAt < PURGE_EVERY_MS) return 0;
    lastPurgeAt = now;
    return deps.taskStore.purgeFinished(deps.lockPolicy.retentionMs);
  }

  async function publishLogged(events: readonly DomainEvent[]): Promise<void> {
    await publishEvents(deps.eventBus, events, log);
  }

  async function runTick(): Promise<ReapReport> {
    const recovered = await step('recover', 0, recover);
    const expired = await step('expire', 0, expire);
    const renewed = await step('renew', 0, () => deps.taskStore.renewLocks(deps.lockPolicy.lockTtlMs));
    const purged = await step('purge', 0, purge);
    return { recovered, expired, renewed, purged };
  }

  function tick(): Promise<ReapReport> {
    // Overlapping ticks would only repeat work: a caller during a tick shares it.
    running ??= runTick().finally(() => {
      running = null;
    });
    return running;
  }

  return {
    tick,
    start() {
      if (timer !== null) return;
      timer = setInterval(() => void tick(), deps.lockPolicy.reapEveryMs);
      timer.unref();
    },
    async stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      if (running) await running;
    },
  };
}

import type { LockPolicy } from '../../domain/lock-policy.js';
import type { EventBus } from '../../ports/event-bus.port.js';
import type { ClaimedJob, ClaimRequest, JobQueue } from '../../ports/job-queue.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { RuntimeMetrics } from '../../ports/runtime-metrics.port.js';
import type { WorkerConfig } from '../config/types.js';
import type { IdGenerator } from '../ids.js';
import { errorSummary, publishEvents } from '../publish.js';
import type { JobAbortReason, ProcessJob } from '../use-cases/process-job.js';
import { makeBackoff, sleep } from './backoff.js';
import { startHeartbeat } from './heartbeat.js';

export interface WorkerPoolDeps {
  jobQueue: JobQueue;
  processJob: ProcessJob;
  ids: IdGenerator;
  lockPolicy: LockPolicy;
  workerConfig: WorkerConfig;
  eventBus: EventBus;
  logger: Logger;
  /** Counts failed lease renewals (`lockRenewFailed`); none when absent. */
  runtimeMetrics?: RuntimeMetrics;
}

export interface WorkerPool {
  readonly workerId: string;
  /** Jobs being processed right now. */
  readonly busy: number;
  /** Starts `worker.concurrency` job slots. Idempotent. */
  start(): void;
  /**
   * Graceful shutdown: stops claiming, lets running jobs finish for up to `graceMs` (default
   * `worker.drain_grace`), then aborts the rest and hands them back to the queue without counting an
   * attempt. Resolves when every slot is idle.
   */
  drain(graceMs?: number): Promise<void>;
  /** `drain(0)`: aborts and hands back running jobs at once; resolves when every slot is idle. */
  stop(): Promise<void>;
}

/** How long an idle slot waits for a wake-up before it polls the queue again. */
const IDLE_WAIT_MS = 2_000;

interface ActiveJob {
  readonly claimed: ClaimedJob;
  readonly controller: AbortController;
}

/**
 * The job loop of a worker process: `concurrency` slots, each claiming a job, keeping its lease alive,
 * processing it and reporting it with the next claim in the same queue call, so a busy worker moves from
 * job to job in one round trip. Adapter errors never escape: they are logged at warn and retried with
 * backoff; a report that cannot be delivered is left to the lease reaper.
 */
export function makeWorkerPool(deps: WorkerPoolDeps): WorkerPool {
  const workerId = deps.ids.workerId();
  const log = deps.logger.child({ workerId });
  const active = new Set<ActiveJob>();
  const stopper = new AbortController();
  let slots: Promise<void>[] | null = null;
  let draining = false;

  const claimRequest = (): ClaimRequest => ({
    workerId,
    token: deps.ids.leaseToken(),
    leaseMs: deps.lockPolicy.leaseMs,
  });

  const jobLog = ({ job }: ClaimedJob) =>
    log.child({ jobId: job.id, taskId: job.taskId, repo: job.repo, stack: job.stack });

  async function claim(): Promise<ClaimedJob | null> {
    const claimed = await deps.jobQueue.claim(claimRequest());
    if (claimed !== null) await publishEvents(deps.eventBus, claimed.events, jobLog(claimed));
    return claimed;
  }

  async function handBack(claimed: ClaimedJob): Promise<void> {
    const released = await deps.jobQueue.release(claimed.job.id, claimed.job.leaseToken).catch((error) => {
      jobLog(claimed).warn(
        { err: errorSummary(error) },
        'handing the job back failed; its lease will expire',
      );
      return false;
    });
    jobLog(claimed).debug({ released }, 'job handed back');
  }

  /** Processes one job; returns the next job when the report claimed one. */
  async function run(claimed: ClaimedJob): Promise<ClaimedJob | null> {
    const entry: ActiveJob = { claimed, controller: new AbortController() };
    const abort = (reason: JobAbortReason) => entry.controller.abort(reason);
    active.add(entry);
    const heartbeat = startHeartbeat(
      deps.jobQueue,
      deps.lockPolicy,
      claimed,
      abort,
      jobLog(claimed),
      deps.runtimeMetrics,
    );
    try {
      const next = draining ? undefined : claimRequest();
      const result = await deps.processJob(claimed, entry.controller.signal, next);
      if (result.kind === 'aborted') {
        if (result.reason === 'drain') await handBack(claimed);
        return null;
      }
      const following = result.outcome.next;
      if (following) await publishEvents(deps.eventBus, following.events, jobLog(following));
      return following;
    } finally {
      heartbeat.stop();
      active.delete(entry);
    }
  }

  async function slot(index: number): Promise<void> {
    const backoff = makeBackoff();
    let claimed: ClaimedJob | null = null;
    for (;;) {
      if (draining) {
        if (claimed !== null) await handBack(claimed);
        return;
      }
      try {
        if (claimed === null) {
          claimed = await claim();
          if (claimed === null) await deps.jobQueue.waitForWork(IDLE_WAIT_MS, stopper.signal);
          continue;
        }
        claimed = await run(claimed);
        backoff.reset();
      } catch (error) {
        claimed = null;
        const delay = backoff.next();
        log.warn(
          { slot: index, err: errorSummary(error), retryInMs: delay },
          'worker slot error, backing off',
        );
        await sleep(delay, stopper.signal);
      }
    }
  }

  async function drain(graceMs = deps.workerConfig.drainGraceMs): Promise<void> {
    if (!draining) {
      draining = true;
      stopper.abort();
      log.info({ graceMs, running: active.size }, 'worker draining');
    }
    const all = Promise.all(slots ?? []);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceOver = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([all, graceOver]);
    clearTimeout(timer);
    for (const entry of active) entry.controller.abort('drain' satisfies JobAbortReason);
    await all;
  }

  return {
    workerId,
    get busy() {
      return active.size;
    },
    start() {
      if (slots !== null || draining) return;
      const concurrency = Math.max(1, deps.workerConfig.concurrency);
      log.info({ concurrency }, 'worker started');
      slots = Array.from({ length: concurrency }, (_, i) => slot(i));
    },
    drain,
    stop: () => drain(0),
  };
}

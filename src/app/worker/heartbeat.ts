import type { LockPolicy } from '../../domain/lock-policy.js';
import type { ClaimedJob, JobQueue } from '../../ports/job-queue.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { RuntimeMetrics } from '../../ports/runtime-metrics.port.js';
import { errorSummary } from '../publish.js';
import type { JobAbortReason } from '../use-cases/process-job.js';

export interface Heartbeat {
  stop(): void;
}

/**
 * Keeps a claimed job's lease (and its repo lock) alive every `leaseRenewMs`. When the queue answers
 * `lost` (taken over, or finished elsewhere) or `canceled` (the task was canceled), the job is aborted and
 * its worker reports nothing. A renewal that throws is logged and tried again on the next beat: the
 * lease outlives several missed beats (`leaseMs` = 3 × `leaseRenewMs`). A thrown renewal and a lost lease
 * are counted by `metrics.lockRenewFailed` (a cancel is not a failure).
 */
export function startHeartbeat(
  queue: Pick<JobQueue, 'renew'>,
  policy: LockPolicy,
  claimed: ClaimedJob,
  abort: (reason: JobAbortReason) => void,
  log: Logger,
  metrics?: RuntimeMetrics,
): Heartbeat {
  const { id, leaseToken } = claimed.job;
  let inFlight = false;
  let stopped = false;
  const beat = async () => {
    if (inFlight || stopped) return;
    inFlight = true;
    try {
      const status = await queue.renew(id, leaseToken, policy.leaseMs, policy.lockTtlMs);
      if (status === 'ok' || stopped) return;
      if (status === 'lost') {
        metrics?.lockRenewFailed();
        log.warn({}, 'job lease lost, stopping the job');
      } else log.info({}, 'task canceled, stopping the job');
      // The job is over for this worker: no further beat may renew (or count another failure).
      stopped = true;
      clearInterval(timer);
      abort(status);
    } catch (error) {
      metrics?.lockRenewFailed();
      log.warn({ err: errorSummary(error) }, 'lease renewal failed, retrying on the next beat');
    } finally {
      inFlight = false;
    }
  };
  const timer = setInterval(() => void beat(), policy.leaseRenewMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

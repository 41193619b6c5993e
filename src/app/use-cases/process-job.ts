import { isDriftdError } from '../../domain/errors.js';
import type { JobResultSummary } from '../../domain/job.js';
import type { StackRun } from '../../domain/stack-run.js';
import type { Clock } from '../../ports/clock.port.js';
import type { EventBus } from '../../ports/event-bus.port.js';
import type { ClaimedJob, ClaimRequest, JobQueue, SettleOutcome } from '../../ports/job-queue.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { ResultSink } from '../../ports/result-store.port.js';
import type { RepoConfig } from '../config/types.js';
import { errorSummary, publishEvents } from '../publish.js';
import { indexRepos } from '../repo-spec.js';
import { failed, type RunStackDeps, runStack, type StackOutcome } from './run-stack.js';

/**
 * Why a worker aborted a job's signal: the task was canceled, the lease was lost (taken over or the job
 * finished elsewhere), or the worker is draining and will hand the job back.
 */
export type JobAbortReason = 'canceled' | 'lost' | 'drain';

export type ProcessJobResult =
  /** The queue accepted or rejected the report; `outcome.next` is the next job when one was claimed. */
  | { readonly kind: 'settled'; readonly outcome: SettleOutcome }
  /** The signal aborted: nothing was reported; a draining worker releases the job. */
  | { readonly kind: 'aborted'; readonly reason: JobAbortReason };

/** Plans a claimed job and reports it; `next` asks the queue for the next job in the same atomic step. */
export type ProcessJob = (
  claimed: ClaimedJob,
  signal: AbortSignal,
  next?: ClaimRequest,
) => Promise<ProcessJobResult>;

export interface ProcessJobDeps extends RunStackDeps {
  repos: readonly RepoConfig[];
  jobQueue: JobQueue;
  resultSink: ResultSink;
  eventBus: EventBus;
  clock: Clock;
  logger: Logger;
}

const SETTLE_RETRY_DELAYS_MS = [100, 500, 2_000];

function abortReason(signal: AbortSignal): JobAbortReason {
  const r: unknown = signal.reason;
  return r === 'lost' || r === 'drain' ? r : 'canceled';
}

function summaryOf(outcome: StackOutcome): JobResultSummary {
  const { result, tool } = outcome;
  return {
    status: result.status,
    kinds: result.kinds,
    summary: result.summary,
    ...(tool && { tool: tool.name, toolVersion: tool.version }),
  };
}

/**
 * The worker's per-job use case: plan the stack (see `runStack`), record the run through the ResultSink
 * (always, so history shows canceled and failed runs too; the sink decides whether it replaces the latest
 * result), then settle it on the queue: `complete` for `in_sync`/`drifted`, `fail` otherwise (the queue
 * retries what is retryable). A run whose signal aborted is recorded (except when draining: the job is
 * handed back and will run again under the same attempt number) and not settled.
 */
export function makeProcessJob(deps: ProcessJobDeps): ProcessJob {
  const repoIndex = indexRepos(deps.repos);

  async function plan(claimed: ClaimedJob, signal: AbortSignal): Promise<StackOutcome> {
    const repo = repoIndex.get(claimed.job.repo);
    if (repo === undefined) return failed('config_error', `repo ${claimed.job.repo} is no longer configured`);
    try {
      return await runStack(deps, repo, claimed, signal);
    } catch (error) {
      if (signal.aborted) return { ...failed('canceled', 'canceled'), aborted: true };
      if (isDriftdError(error, 'DRIFTD_TOOL_UNAVAILABLE')) return failed('download_error', error.message);
      deps.logger.error(
        { jobId: claimed.job.id, err: errorSummary(error) },
        'unexpected error planning a job',
      );
      return failed('internal', 'internal error while planning the stack (see worker logs)');
    }
  }

  async function record(claimed: ClaimedJob, outcome: StackOutcome, log: Logger): Promise<void> {
    const { job, task } = claimed;
    const commit = job.commit ?? task.commit;
    const run: StackRun = {
      repo: job.repo,
      stack: job.stack,
      taskId: job.taskId,
      jobId: job.id,
      attempt: job.attempt,
      ...(commit !== undefined && { commit }),
      trigger: task.trigger,
      result: outcome.result,
      ...(outcome.failure && { failure: outcome.failure.kind }),
      ...(outcome.tool && { tool: outcome.tool }),
      startedAt: job.startedAt,
      finishedAt: deps.clock.now(),
    };
    try {
      await deps.resultSink.record(run, outcome.planText);
    } catch (error) {
      // The queue stays the source of truth for the job; a lost result shows as "no result yet".
      log.error({ err: errorSummary(error) }, 'recording the run failed');
    }
  }

  async function settle(
    claimed: ClaimedJob,
    outcome: StackOutcome,
    next?: ClaimRequest,
  ): Promise<SettleOutcome> {
    const { id, leaseToken } = claimed.job;
    if (outcome.failure === undefined)
      return deps.jobQueue.complete(id, leaseToken, summaryOf(outcome), next);
    const result = outcome.terraformRan ? summaryOf(outcome) : undefined;
    return deps.jobQueue.fail(id, leaseToken, outcome.failure, result, next);
  }

  /** Retries an unreachable queue a few times: the lease keeps running meanwhile, so a report is not lost lightly. */
  async function settleWithRetry(
    claimed: ClaimedJob,
    outcome: StackOutcome,
    log: Logger,
    next?: ClaimRequest,
  ): Promise<SettleOutcome> {
    for (let i = 0; ; i++) {
      try {
        return await settle(claimed, outcome, next);
      } catch (error) {
        const delay = SETTLE_RETRY_DELAYS_MS[i];
        if (delay === undefined) throw error;
        log.warn({ err: errorSummary(error), retryInMs: delay }, 'reporting the job failed, retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  return async function processJob(claimed, signal, next) {
    const { job } = claimed;
    const log = deps.logger.child({ jobId: job.id, taskId: job.taskId, repo: job.repo, stack: job.stack });
    log.debug({ attempt: job.attempt }, 'job processing');
    const outcome = await plan(claimed, signal);
    const reason = outcome.aborted ? abortReason(signal) : null;
    if (reason !== 'drain') await record(claimed, outcome, log);
    if (reason !== null) {
      log.debug({ reason }, 'job aborted');
      return { kind: 'aborted', reason };
    }
    const settled = await settleWithRetry(claimed, outcome, log, next);
    logSettled(log, outcome, settled);
    if (settled.ok) await publishEvents(deps.eventBus, settled.events, log);
    return { kind: 'settled', outcome: settled };
  };
}

function logSettled(log: Logger, outcome: StackOutcome, settled: SettleOutcome): void {
  if (!settled.ok) {
    const level = settled.reason === 'canceled' ? 'debug' : 'warn';
    log[level]({ reason: settled.reason }, 'job report rejected');
    return;
  }
  const { job } = settled;
  if (job.status === 'pending') {
    log.warn({ failure: outcome.failure, attempt: job.attempt }, 'job failed, will retry');
  } else {
    log.debug(
      { status: job.status, verdict: outcome.result.status, failure: outcome.failure?.kind },
      'job settled',
    );
  }
}

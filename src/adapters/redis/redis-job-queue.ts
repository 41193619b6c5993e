import { DriftdError } from '../../domain/errors.js';
import type { DomainEvent } from '../../domain/events.js';
import { countsAsErrored, isRetryable, type JobFailure } from '../../domain/failure.js';
import type { JobId, LeaseToken, TaskId } from '../../domain/ids.js';
import { assertCompletableResult, type Job, type JobResultSummary } from '../../domain/job.js';
import type {
  ClaimedJob,
  ClaimRequest,
  JobQueue,
  LeaseStatus,
  QueueStats,
  SettleOutcome,
} from '../../ports/job-queue.port.js';
import { CandidatePicker, type Candidates } from './claim-candidates.js';
import { CompleteBatcher } from './complete-batch.js';
import { withRedis } from './create-redis-client.js';
import { repoOfTaskId, taskOfJobId } from './keys.js';
import type { ScriptReply } from './load-scripts.js';
import {
  candidateArgs,
  claimedJob,
  completedJob,
  failedJob,
  finishedOf,
  type Snapshot,
  settleEvents,
  snapshot,
  startedMembers,
} from './queue-replies.js';
import { markRecorded } from './recorded-events.js';
import { type RedisContext, type RedisCoordinationOptions, redisContext } from './redis-context.js';
import { serverTime } from './redis-time.js';
import { scriptOutcome } from './script-errors.js';
import { type TaskStatics, TaskStaticsCache } from './task-statics.js';
import { WakeListener } from './wake-listener.js';

/** How many times a claim re-reads the queue head when other claimers took its candidates first. */
const CLAIM_ROUNDS = 20;

/**
 * The lease-based job queue on Redis. Every transition is one Lua script that moves the job, its task's
 * counters, the lease set and (when the task ends) the repo lock together; `complete`/`fail` settle and
 * claim the next job in the same script call. Lease deadlines use Redis server time, so all processes
 * agree. Pending jobs are a ZSET by enqueue sequence (FIFO; a member at most once by construction).
 */
export class RedisJobQueue implements JobQueue {
  private readonly ctx: RedisContext;
  private readonly picker: CandidatePicker;
  private readonly wake: WakeListener;
  private readonly statics: TaskStaticsCache;
  private readonly completer: CompleteBatcher;

  constructor(options: RedisCoordinationOptions) {
    this.ctx = redisContext(options);
    const { redis, keys } = this.ctx;
    this.picker = new CandidatePicker((count) => redis.zrange(keys.pending, 0, count - 1));
    this.wake = new WakeListener(this.ctx);
    this.statics = new TaskStaticsCache(this.ctx);
    this.completer = new CompleteBatcher(this.ctx);
  }

  claim(request: ClaimRequest): Promise<ClaimedJob | null> {
    return withRedis('claim', () => this.claimRounds(request));
  }

  private async claimRounds(request: ClaimRequest): Promise<ClaimedJob | null> {
    const { redis, keys, eventCapacity } = this.ctx;
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      const c = await this.picker.pick(round > 0);
      if (!c) return null;
      const repo = repoOfTaskId(c.taskId)!;
      let reply: ScriptReply | undefined;
      try {
        await this.knowTasks(c.taskId);
        reply = await redis.driftd_claimJob(
          keys.pending,
          keys.leases,
          keys.task(c.taskId),
          keys.lock(repo),
          keys.events,
          request.workerId,
          request.token,
          request.leaseMs,
          eventCapacity,
          c.taskId,
          startedMembers(c.taskId, request.workerId),
          ...candidateArgs(c.ids),
        );
      } finally {
        this.picker.settle(c, reply?.[0] === 1 ? String(reply[4]) : null);
      }
      if (reply[0] === 1) {
        const statics = await this.staticsOf(c.taskId);
        const claimed = claimedJob(
          String(reply[4]),
          Number(reply[1]),
          statics,
          { d: reply[2], j: reply[3] },
          request,
        );
        return this.recorded(claimed);
      }
    }
    return null;
  }

  /** Caches the unchanging fields of tasks this process has not met yet (the scripts return the rest). */
  private knowTasks(...taskIds: TaskId[]): Promise<void> | undefined {
    if (taskIds.every((id) => this.statics.get(id) !== undefined)) return undefined;
    return this.statics.load(taskIds);
  }

  private async staticsOf(taskId: TaskId): Promise<TaskStatics> {
    const statics = this.statics.get(taskId) ?? (await this.statics.require(taskId));
    if (!statics) throw new DriftdError('DRIFTD_INTERNAL', `task ${taskId} vanished during a queue call`);
    return statics;
  }

  /** A claim whose job.started event the script appended to the stream already. */
  private recorded(claimed: ClaimedJob): ClaimedJob {
    markRecorded(claimed.events, this.ctx.keys.events);
    return claimed;
  }

  renew(jobId: JobId, token: LeaseToken, leaseMs: number, lockTtlMs: number): Promise<LeaseStatus> {
    return withRedis('renew', async () => {
      const taskId = taskOfJobId(jobId);
      if (taskId === null) return 'lost';
      const { redis, keys } = this.ctx;
      const code = await redis.driftd_renewLease(
        keys.task(taskId),
        keys.leases,
        keys.lock(repoOfTaskId(taskId)!),
        jobId,
        token,
        leaseMs,
        lockTtlMs,
      );
      return code === 1 ? 'ok' : code === 2 ? 'canceled' : 'lost';
    });
  }

  async complete(
    jobId: JobId,
    token: LeaseToken,
    result: JobResultSummary,
    next?: ClaimRequest,
  ): Promise<SettleOutcome> {
    assertCompletableResult(result);
    return withRedis('complete', () =>
      this.settle(
        jobId,
        next,
        'complete',
        (taskId, c) => this.completer.add({ jobId, taskId, token, result, next, candidates: c }),
        (reply, now, s) =>
          completedJob(jobId, now, s, { d: reply[3], j: reply[4], finished: finishedOf(reply, now) }, result),
      ),
    );
  }

  fail(
    jobId: JobId,
    token: LeaseToken,
    failure: JobFailure,
    result?: JobResultSummary,
    next?: ClaimRequest,
  ): Promise<SettleOutcome> {
    return withRedis('fail', () =>
      this.settle(
        jobId,
        next,
        'fail',
        (taskId, c) => {
          const { redis, keys, retentionMs } = this.ctx;
          const repo = repoOfTaskId(taskId)!;
          const nextTaskId = c?.taskId ?? taskId;
          return redis.driftd_failJob(
            keys.task(taskId),
            keys.lock(repo),
            keys.active(repo),
            keys.live,
            keys.leases,
            keys.pending,
            keys.seq,
            keys.task(nextTaskId),
            keys.lock(repoOfTaskId(nextTaskId)!),
            jobId,
            token,
            failure.kind,
            failure.message,
            isRetryable(failure.kind) ? '1' : '0',
            countsAsErrored(failure.kind) ? '1' : '0',
            result === undefined ? '' : JSON.stringify(result),
            retentionMs,
            keys.wakeChannel,
            taskId,
            next?.workerId ?? '',
            next?.token ?? '',
            next?.leaseMs ?? 0,
            nextTaskId,
            ...(c?.ids ?? []),
          );
        },
        (reply, now, s) =>
          failedJob(
            jobId,
            now,
            s,
            { d: reply[3], j: reply[4], finished: finishedOf(reply, now), retried: reply[10] === 1 },
            failure,
            result,
          ),
      ),
    );
  }

  /**
   * Runs a settle script (which also claims `next` from the picked candidates), then falls back to a
   * plain claim when every candidate was taken by someone else meanwhile. Complete appends its events
   * (and the next job's) to the stream in the script; fail leaves them to the caller.
   */
  private async settle(
    jobId: JobId,
    next: ClaimRequest | undefined,
    kind: 'complete' | 'fail',
    run: (taskId: TaskId, c: Candidates | null) => Promise<ScriptReply>,
    settled: (reply: ScriptReply, now: number, statics: TaskStatics) => Snapshot,
  ): Promise<SettleOutcome> {
    const taskId = taskOfJobId(jobId);
    if (taskId === null) {
      return { ok: false, reason: 'not_found', next: next ? await this.claimRounds(next) : null };
    }
    const c = next ? await this.picker.pick() : null;
    let reply: ScriptReply | undefined;
    try {
      const loading = c ? this.knowTasks(taskId, c.taskId) : this.knowTasks(taskId);
      if (loading) await loading;
      reply = await run(taskId, c);
    } finally {
      this.picker.settle(c, reply?.[5] === 1 ? String(reply[6]) : null);
    }
    const now = Number(reply[1]);
    let claimed: ClaimedJob | null = null;
    if (reply[5] === 1) {
      const statics = await this.staticsOf(c!.taskId);
      claimed = claimedJob(String(reply[6]), now, statics, { d: reply[7], j: reply[8] }, next!);
      if (kind === 'complete') this.recorded(claimed);
    } else if (next && reply[5] === -7) claimed = await this.claimRounds(next);
    const code = Number(reply[0]);
    if (code !== 1) {
      const reason = scriptOutcome(code, 'settle');
      if (reason === 'malformed')
        throw new DriftdError('DRIFTD_INTERNAL', `task ${taskId} has a malformed record`);
      return { ok: false, reason: reason as 'lease_lost' | 'not_found' | 'canceled', next: claimed };
    }
    const snap = settled(reply, now, await this.staticsOf(taskId));
    const events = settleEvents(snap, reply[2] === 1, now);
    if (kind === 'complete') markRecorded(events, this.ctx.keys.events);
    return { ok: true, job: snap.job, task: snap.task, events, next: claimed };
  }

  release(jobId: JobId, token: LeaseToken): Promise<boolean> {
    return withRedis('release', async () => {
      const taskId = taskOfJobId(jobId);
      if (taskId === null) return false;
      const { redis, keys } = this.ctx;
      const code = await redis.driftd_releaseJob(
        keys.task(taskId),
        keys.leases,
        keys.pending,
        keys.seq,
        jobId,
        token,
        keys.wakeChannel,
      );
      return code === 1;
    });
  }

  recoverExpired(limit: number): Promise<{ jobs: Job[]; events: DomainEvent[] }> {
    return withRedis('recoverExpired', async () => {
      const { redis, keys } = this.ctx;
      const now = await serverTime(redis);
      const ids = await redis.zrangebyscore(keys.leases, '-inf', now, 'LIMIT', 0, Math.max(0, limit));
      const jobs: Job[] = [];
      const events: DomainEvent[] = [];
      for (const id of ids) {
        const recovered = await this.recoverOne(id);
        if (!recovered) continue;
        jobs.push(recovered.job);
        events.push(...recovered.events);
      }
      return { jobs, events };
    });
  }

  private async recoverOne(jobId: string): Promise<{ job: Job; events: DomainEvent[] } | null> {
    const taskId = taskOfJobId(jobId);
    const { redis, keys, retentionMs } = this.ctx;
    if (taskId === null) {
      await redis.zrem(keys.leases, jobId);
      return null;
    }
    const repo = repoOfTaskId(taskId)!;
    const reply = await redis.driftd_recoverLease(
      keys.task(taskId),
      keys.lock(repo),
      keys.active(repo),
      keys.live,
      keys.leases,
      keys.pending,
      keys.seq,
      jobId,
      isRetryable('lost_worker') ? '1' : '0',
      retentionMs,
      keys.wakeChannel,
    );
    if (reply[0] !== 1) return null;
    const snap = snapshot(jobId, reply[3], reply[4]);
    return { job: snap.job, events: settleEvents(snap, reply[2] === 1, Number(reply[1])) };
  }

  waitForWork(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.wake.wait(timeoutMs, signal);
  }

  stats(): Promise<QueueStats> {
    return withRedis('stats', async () => {
      const { redis, keys } = this.ctx;
      const [pending, running, head, now] = await Promise.all([
        redis.zcard(keys.pending),
        redis.zcard(keys.leases),
        redis.zrange(keys.pending, 0, 0),
        serverTime(redis),
      ]);
      const first = head[0];
      const taskId = first === undefined ? null : taskOfJobId(first);
      const queuedAt = taskId ? await redis.hget(keys.task(taskId), `queuedAt@${first}`) : null;
      const age = queuedAt === null ? 0 : Math.max(0, now - Number(queuedAt));
      return { pending, running, oldestPendingAgeMs: age };
    });
  }

  /** Closes the wake-up subscriber connection (the shared client belongs to the caller). */
  async close(): Promise<void> {
    await this.wake.close();
  }
}

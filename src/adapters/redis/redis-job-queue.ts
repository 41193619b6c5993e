import { DriftdError } from '../../domain/errors.js';
import type { DomainEvent } from '../../domain/events.js';
import { countsAsErrored, isRetryable, type JobFailure } from '../../domain/failure.js';
import type { JobId, LeaseToken, TaskId } from '../../domain/ids.js';
import type { Job, JobResultSummary } from '../../domain/job.js';
import type {
  ClaimedJob,
  ClaimRequest,
  JobQueue,
  LeaseStatus,
  QueueStats,
  SettleOutcome,
} from '../../ports/job-queue.port.js';
import { CandidatePicker, type Candidates } from './claim-candidates.js';
import { withRedis } from './create-redis-client.js';
import { repoOfTaskId, taskOfJobId } from './keys.js';
import type { ScriptReply } from './load-scripts.js';
import { claimedJob, settleEvents, snapshot } from './queue-replies.js';
import { type RedisContext, type RedisCoordinationOptions, redisContext } from './redis-context.js';
import { serverTime } from './redis-time.js';
import { scriptOutcome } from './script-errors.js';
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

  constructor(options: RedisCoordinationOptions) {
    this.ctx = redisContext(options);
    const { redis, keys } = this.ctx;
    this.picker = new CandidatePicker((count) => redis.zrange(keys.pending, 0, count - 1));
    this.wake = new WakeListener(this.ctx);
  }

  claim(request: ClaimRequest): Promise<ClaimedJob | null> {
    return withRedis('claim', () => this.claimRounds(request));
  }

  private async claimRounds(request: ClaimRequest): Promise<ClaimedJob | null> {
    const { redis, keys } = this.ctx;
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      const c = await this.picker.pick(round > 0);
      if (!c) return null;
      const repo = repoOfTaskId(c.taskId)!;
      let reply: ScriptReply | undefined;
      try {
        reply = await redis.driftd_claimJob(
          keys.pending,
          keys.leases,
          keys.task(c.taskId),
          keys.lock(repo),
          request.workerId,
          request.token,
          request.leaseMs,
          ...c.ids,
        );
      } finally {
        this.picker.settle(c, reply?.[0] === 1 ? String(reply[4]) : null);
      }
      if (reply[0] === 1) return claimedJob(String(reply[4]), Number(reply[1]), reply[2], reply[3]);
    }
    return null;
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
    if (result.status === 'error') {
      throw new DriftdError(
        'DRIFTD_INVALID_INPUT',
        'complete() takes in_sync or drifted results; report errors with fail()',
      );
    }
    return withRedis('complete', () =>
      this.settle(jobId, next, (taskId, c) => {
        const { redis, keys, retentionMs } = this.ctx;
        const nextTaskId = c?.taskId ?? taskId;
        return redis.driftd_completeJob(
          keys.task(taskId),
          keys.lock(repoOfTaskId(taskId)!),
          keys.active(repoOfTaskId(taskId)!),
          keys.live,
          keys.leases,
          keys.pending,
          keys.task(nextTaskId),
          keys.lock(repoOfTaskId(nextTaskId)!),
          jobId,
          token,
          JSON.stringify(result),
          result.status === 'drifted' ? '1' : '0',
          retentionMs,
          next?.workerId ?? '',
          next?.token ?? '',
          next?.leaseMs ?? 0,
          ...(c?.ids ?? []),
        );
      }),
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
      this.settle(jobId, next, (taskId, c) => {
        const { redis, keys, retentionMs } = this.ctx;
        const repo = repoOfTaskId(taskId)!;
        return redis.driftd_failJob(
          keys.task(taskId),
          keys.lock(repo),
          keys.active(repo),
          keys.live,
          keys.leases,
          keys.pending,
          keys.seq,
          keys.task(c?.taskId ?? taskId),
          jobId,
          token,
          failure.kind,
          failure.message,
          isRetryable(failure.kind) ? '1' : '0',
          countsAsErrored(failure.kind) ? '1' : '0',
          result === undefined ? '' : JSON.stringify(result),
          retentionMs,
          keys.wakeChannel,
          next?.workerId ?? '',
          next?.token ?? '',
          next?.leaseMs ?? 0,
          ...(c?.ids ?? []),
        );
      }),
    );
  }

  /**
   * Runs a settle script (which also claims `next` from the picked candidates), then falls back to a
   * plain claim when every candidate was taken by someone else meanwhile.
   */
  private async settle(
    jobId: JobId,
    next: ClaimRequest | undefined,
    run: (taskId: TaskId, c: Candidates | null) => Promise<ScriptReply>,
  ): Promise<SettleOutcome> {
    const taskId = taskOfJobId(jobId);
    if (taskId === null) {
      return { ok: false, reason: 'not_found', next: next ? await this.claimRounds(next) : null };
    }
    const c = next ? await this.picker.pick() : null;
    let reply: ScriptReply | undefined;
    try {
      reply = await run(taskId, c);
    } finally {
      this.picker.settle(c, reply?.[5] === 1 ? String(reply[8]) : null);
    }
    const now = Number(reply[1]);
    let claimed: ClaimedJob | null = null;
    if (reply[5] === 1) claimed = claimedJob(String(reply[8]), now, reply[6], reply[7]);
    else if (next && reply[5] === -7) claimed = await this.claimRounds(next);
    const code = Number(reply[0]);
    if (code !== 1) {
      const reason = scriptOutcome(code, 'settle');
      return { ok: false, reason: reason as 'lease_lost' | 'not_found' | 'canceled', next: claimed };
    }
    const snap = snapshot(jobId, reply[3], reply[4]);
    const events = settleEvents(snap, reply[2] === 1, now);
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

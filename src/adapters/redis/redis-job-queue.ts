import { DriftdError } from '../../domain/errors.js';
import type { DomainEvent } from '../../domain/events.js';
import { isRetryable, type JobFailure } from '../../domain/failure.js';
import type { JobId, LeaseToken, TaskId } from '../../domain/ids.js';
import {
  assertCompletableResult,
  type Job,
  type JobResultSummary,
  type RunningJob,
} from '../../domain/job.js';
import type {
  ClaimedJob,
  ClaimRequest,
  JobQueue,
  LeaseStatus,
  QueueStats,
  SettleOutcome,
} from '../../ports/job-queue.port.js';
import { withRedis } from './create-redis-client.js';
import { repoOfTaskId, taskOfJobId } from './keys.js';
import { QueueBatcher } from './queue-batch.js';
import {
  type ClaimOutcome,
  claimedJob,
  completedJob,
  failedJob,
  type Row,
  settleEvents,
  snapshot,
} from './queue-replies.js';
import { markRecorded } from './recorded-events.js';
import { type RedisContext, type RedisCoordinationOptions, redisContext } from './redis-context.js';
import { serverTime } from './redis-time.js';
import { scriptOutcome } from './script-errors.js';
import { type TaskStatics, TaskStaticsCache } from './task-statics.js';
import { WakeListener } from './wake-listener.js';

/** How many times a claim asks again when the head task moved (emptied or overtaken) under it. */
const CLAIM_ROUNDS = 20;

/**
 * The head of the ready index as this process last saw it (a script reply or a read). Claims name it (a
 * script needs its task's keys in KEYS) and the script checks it, so a stale copy costs one more round,
 * never a wrong claim. It can only go stale by moving later: new and requeued jobs get larger sequences.
 */
class ReadyHead {
  private last = '';
  private loading: Promise<string> | null = null;

  constructor(private readonly read: () => Promise<string>) {}

  async get(): Promise<string> {
    if (this.last !== '') return this.last;
    this.loading ??= this.read().finally(() => {
      this.loading = null;
    });
    this.last = await this.loading;
    return this.last;
  }

  /** The head as last seen, or null when it has to be read (nothing seen yet, or the index was empty). */
  known(): string | null {
    return this.last === '' ? null : this.last;
  }

  seen(head: string): void {
    this.last = head;
  }
}

/**
 * The fields of jobs this process holds a lease on, as its claim left them (attempt, start, last failure):
 * a complete needs them for the job it returns, and no script changes them while the lease holds, so the
 * settle script does not read them back. Bounded: a lease never settled here drops out first.
 */
class HeldJobs {
  private readonly jobs = new Map<string, { token: string; j: Row; taskId: TaskId; stack: string }>();

  constructor(private readonly capacity = 10_000) {}

  hold(job: RunningJob): void {
    const j: Row = [
      null,
      job.leaseToken,
      job.attempt,
      job.startedAt,
      job.lastFailure?.kind ?? null,
      job.lastFailure?.message ?? null,
    ];
    this.jobs.delete(job.id);
    this.jobs.set(job.id, { token: job.leaseToken, j, taskId: job.taskId, stack: job.stack });
    if (this.jobs.size > this.capacity) this.jobs.delete(this.jobs.keys().next().value!);
  }

  /** What the claim of a held job said (its task and stack: no need to parse them from its id). */
  peek(jobId: string): { readonly taskId: TaskId; readonly stack: string } | undefined {
    return this.jobs.get(jobId);
  }

  /** The held fields when `token` holds the lease; forgets the job either way. */
  take(jobId: string, token: string): Row | undefined {
    const held = this.jobs.get(jobId);
    this.jobs.delete(jobId);
    return held?.token === token ? held.j : undefined;
  }

  drop(jobId: string): void {
    this.jobs.delete(jobId);
  }
}

/**
 * The lease-based job queue on Redis. Every transition is one Lua script that moves the job, its task's
 * counters, the lease set and (when the task ends) the repo lock together. Pending jobs wait in their
 * task's queue (FIFO by enqueue sequence, a member at most once by construction) and the ready index
 * orders tasks by their oldest pending job, so claims take the globally oldest job. Calls issued in the
 * same tick go as one or two `settleJobs` calls (QueueBatcher): `complete`/`fail` settle and claim the
 * next job in one atomic step. Lease deadlines use Redis server time, so all processes agree.
 */
export class RedisJobQueue implements JobQueue {
  private readonly ctx: RedisContext;
  private readonly head: ReadyHead;
  private readonly wake: WakeListener;
  private readonly statics: TaskStaticsCache;
  private readonly batch: QueueBatcher;
  private readonly held = new HeldJobs();

  constructor(options: RedisCoordinationOptions) {
    this.ctx = redisContext(options);
    const { redis, keys } = this.ctx;
    this.head = new ReadyHead(async () => (await redis.zrange(keys.ready, 0, 0))[0] ?? '');
    this.wake = new WakeListener(this.ctx);
    this.statics = new TaskStaticsCache(this.ctx);
    this.batch = new QueueBatcher(this.ctx, this.head);
  }

  claim(request: ClaimRequest): Promise<ClaimedJob | null> {
    return withRedis('claim', () => this.claimRounds(request));
  }

  private async claimRounds(request: ClaimRequest, first?: ClaimOutcome): Promise<ClaimedJob | null> {
    let outcome = first ?? (await this.batch.claim(request));
    for (let round = 1; outcome.kind === 'retry' && round < CLAIM_ROUNDS; round++) {
      outcome = await this.batch.claim(request);
    }
    return outcome.kind === 'claimed' ? this.claimedOf(outcome, request) : null;
  }

  /** The claimed job when its task's statics are cached (no await on the hot path), else undefined. */
  private claimedNow(outcome: ClaimOutcome, request: ClaimRequest): ClaimedJob | undefined {
    if (outcome.kind !== 'claimed') return undefined;
    const statics = this.statics.get(outcome.taskId);
    return statics && this.claimedWith(statics, outcome, request);
  }

  private claimedWith(
    statics: TaskStatics,
    outcome: Extract<ClaimOutcome, { kind: 'claimed' }>,
    request: ClaimRequest,
  ): ClaimedJob {
    const claimed = claimedJob(outcome.jobId, outcome.now, statics, outcome, request);
    markRecorded(claimed.events, this.ctx.keys.events);
    this.held.hold(claimed.job);
    return claimed;
  }

  /** The claimed job from a settleJobs outcome; its job.started is on the stream already (marked so). */
  private async claimedOf(
    outcome: Extract<ClaimOutcome, { kind: 'claimed' }>,
    request: ClaimRequest,
  ): Promise<ClaimedJob> {
    return this.claimedWith(await this.staticsOf(outcome.taskId as TaskId), outcome, request);
  }

  /** The unchanging fields of a task (cached; the scripts return only what changes). */
  private async staticsOf(taskId: TaskId): Promise<TaskStatics> {
    const statics = this.statics.get(taskId) ?? (await this.statics.require(taskId));
    if (!statics) throw new DriftdError('DRIFTD_INTERNAL', `task ${taskId} vanished during a queue call`);
    return statics;
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
      if (code !== 1) this.held.drop(jobId);
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
    return withRedis('complete', async () => {
      const known = this.held.peek(jobId);
      const taskId = known?.taskId ?? taskOfJobId(jobId);
      if (taskId === null) return this.unknownJob(next);
      if (!this.statics.get(taskId)) await this.statics.load([taskId]);
      // The settle and the next claim go in one script call (both promises settle together).
      const [settled, claiming] = this.batch.complete(
        { jobId, taskId, stack: known?.stack, token, result },
        next,
      );
      const out = await settled;
      const claim = claiming && (await claiming);
      const claimed =
        next && claim ? (this.claimedNow(claim, next) ?? (await this.claimRounds(next, claim))) : null;
      const held = this.held.take(jobId, token);
      if (out.code !== 1) return this.refused(out.code, taskId, claimed);
      const j = held ?? (await this.heldFields(taskId, jobId));
      const statics = this.statics.get(taskId) ?? (await this.staticsOf(taskId));
      const snap = completedJob(jobId, out.now, statics, { ...out, j, stack: known?.stack }, result);
      const events = settleEvents(snap, out.finished !== undefined, out.now);
      markRecorded(events, this.ctx.keys.events);
      return { ok: true, job: snap.job, task: snap.task, events, next: claimed };
    });
  }

  fail(
    jobId: JobId,
    token: LeaseToken,
    failure: JobFailure,
    result?: JobResultSummary,
    next?: ClaimRequest,
  ): Promise<SettleOutcome> {
    return withRedis('fail', async () => {
      const taskId = taskOfJobId(jobId);
      if (taskId === null) return this.unknownJob(next);
      if (!this.statics.get(taskId)) await this.statics.load([taskId]);
      const [reply, claim] = await Promise.all(
        this.batch.fail({ jobId, taskId, token, failure, result }, next),
      );
      const claimed = next && claim ? await this.claimRounds(next, claim) : null;
      this.held.take(jobId, token);
      const code = Number(reply[0]);
      if (code !== 1) return this.refused(code, taskId, claimed);
      const now = Number(reply[1]);
      const finished =
        reply[2] === 1 ? { at: now, reason: typeof reply[5] === 'string' ? reply[5] : null } : undefined;
      const snap = failedJob(
        jobId,
        now,
        await this.staticsOf(taskId),
        { d: reply[3], j: reply[4], finished, retried: reply[6] === 1 },
        failure,
        result,
      );
      const events = settleEvents(snap, finished !== undefined, now);
      markRecorded(events, this.ctx.keys.events);
      return { ok: true, job: snap.job, task: snap.task, events, next: claimed };
    });
  }

  /** A job's fields as its claim left them (J), for a job this process did not claim (rare). */
  private async heldFields(taskId: TaskId, jobId: JobId): Promise<Row> {
    const fields = ['attempt', 'startedAt', 'lastKind', 'lastMsg'].map((f) => `${f}@${jobId}`);
    const [attempt, startedAt, lastKind, lastMsg] = await this.ctx.redis.hmget(
      this.ctx.keys.task(taskId),
      ...fields,
    );
    return [null, null, attempt ?? null, startedAt ?? null, lastKind ?? null, lastMsg ?? null];
  }

  private async unknownJob(next: ClaimRequest | undefined): Promise<SettleOutcome> {
    return { ok: false, reason: 'not_found', next: next ? await this.claimRounds(next) : null };
  }

  private refused(code: number, taskId: TaskId, next: ClaimedJob | null): SettleOutcome {
    const reason = scriptOutcome(code, 'settle');
    if (reason === 'malformed')
      throw new DriftdError('DRIFTD_INTERNAL', `task ${taskId} has a malformed record`);
    return { ok: false, reason: reason as 'lease_lost' | 'not_found' | 'canceled', next };
  }

  release(jobId: JobId, token: LeaseToken): Promise<boolean> {
    this.held.take(jobId, token);
    return withRedis('release', async () => {
      const taskId = taskOfJobId(jobId);
      if (taskId === null) return false;
      const { redis, keys } = this.ctx;
      const code = await redis.driftd_releaseJob(
        keys.task(taskId),
        keys.leases,
        keys.queue(taskId),
        keys.seq,
        keys.ready,
        jobId,
        token,
        keys.wakeChannel,
        taskId,
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
      keys.queue(taskId),
      keys.seq,
      keys.ready,
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
      const [ready, running, now] = await Promise.all([
        redis.zrange(keys.ready, 0, -1),
        redis.zcard(keys.leases),
        serverTime(redis),
      ]);
      const sizes = await Promise.all(ready.map((id) => redis.zcard(keys.queue(id as TaskId))));
      const headTask = ready[0] as TaskId | undefined;
      const first = headTask === undefined ? undefined : (await redis.zrange(keys.queue(headTask), 0, 0))[0];
      const queuedAt =
        first === undefined ? null : await redis.hget(keys.task(headTask!), `queuedAt@${first}`);
      const age = queuedAt === null ? 0 : Math.max(0, now - Number(queuedAt));
      return { pending: sizes.reduce((a, b) => a + b, 0), running, oldestPendingAgeMs: age };
    });
  }

  /** Closes the wake-up subscriber connection (the shared client belongs to the caller). */
  async close(): Promise<void> {
    await this.wake.close();
  }
}

import type { ChainableCommander, Redis } from 'ioredis';
import { countsAsErrored, isRetryable, type JobFailure } from '../../domain/failure.js';
import type { JobId, TaskId } from '../../domain/ids.js';
import type { JobResultSummary } from '../../domain/job.js';
import type { ClaimRequest } from '../../ports/job-queue.port.js';
import { repoOfTaskId } from './keys.js';
import type { ScriptReply } from './load-scripts.js';
import {
  type ClaimOutcome,
  type CompleteOutcome,
  claimOutcomes,
  completeOutcomes,
  jobMembers,
  taskMembers,
} from './queue-replies.js';
import type { RedisContext } from './redis-context.js';

/** A `complete()` waiting for its batch. */
export interface CompleteEntry {
  readonly jobId: JobId;
  readonly taskId: TaskId;
  /** The job's stack (for its event), when the caller knows it. */
  readonly stack?: string | undefined;
  readonly token: string;
  readonly result: JobResultSummary;
}

/** A `fail()` waiting for its batch. */
export interface FailEntry {
  readonly jobId: JobId;
  readonly taskId: TaskId;
  readonly token: string;
  readonly failure: JobFailure;
  readonly result: JobResultSummary | undefined;
}

interface Waiting<E, R> {
  readonly entry: E;
  readonly promise: Promise<R>;
  resolve(reply: R): void;
  reject(error: unknown): void;
}

function deferred<E, R>(entry: E): Waiting<E, R> {
  let resolve!: (reply: R) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<R>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { entry, promise, resolve, reject };
}

/** What one caller asked in a tick: a settle with its next claim, or a claim alone. */
interface Unit {
  readonly complete?: Waiting<CompleteEntry, CompleteOutcome>;
  readonly fail?: Waiting<FailEntry, ScriptReply>;
  readonly claim?: Waiting<ClaimRequest, ClaimOutcome> | undefined;
}

/**
 * A flush of at least this many callers goes as two script calls (each on its own reply): Redis runs the
 * second while this process handles the first one's reply, instead of each side waiting for the other.
 * The callers then stay in two groups that alternate (each group's next flush holds only its own), so
 * smaller flushes go whole: splitting them again would only add calls. Measured with bench/queue.ts on
 * the 2-core machines.
 */
const SPLIT_AT = 4;

/** The keys and event heads a settle call passes for one task (built once per task, not per call). */
interface TaskParts {
  readonly id: TaskId;
  readonly task: string;
  readonly queue: string;
  readonly lock: string;
  readonly active: string;
  readonly members: string;
  readonly started: string;
  readonly finished: string;
}

/** How many tasks' parts a process keeps (it works on a few tasks at a time; cleared when full). */
const TASK_PARTS_CAPACITY = 64;

/** One script call of a flush: how to queue it and what to do with its reply. */
interface Call {
  /** Queues the call on a MULTI, or sends it on the client (then returns its reply's promise). */
  send(target: ChainableCommander | Redis): unknown;
  done(error: Error | null, reply: ScriptReply | undefined): void;
}

/**
 * Gathers the queue calls one process issues in the same turn of the event loop (the settle of every job
 * that finished, the next claim of every free slot) and sends them as a few `settleJobs` calls: each
 * completes its jobs of one task and claims the next jobs for the same callers in one script, so a settle
 * and its next claim stay one atomic step while per-call costs (round trip, EVALSHA, Lua entry) spread over
 * the batch. A failure goes as `failJob` in one MULTI with the settle carrying its next claim. Each job's
 * transition is still fenced and decided alone, in the scripts.
 */
export class QueueBatcher {
  private units: Unit[] = [];
  private scheduled = false;
  /** Script calls sent and not answered yet, and how many callers the last flush sent. */
  private inFlight = 0;
  private lastFlush = 0;
  private readonly parts = new Map<string, TaskParts>();

  /**
   * @param head the task to claim from (the ready index's head as last seen; scripts check it): `known`
   *   without a read (null when none is known), `get` reads it when needed, `seen` records the head a
   *   script reply reports.
   */
  constructor(
    private readonly ctx: RedisContext,
    private readonly head: { known(): string | null; get(): Promise<string>; seen(head: string): void },
  ) {}

  /** A complete, and the next claim of the same caller (in the same settleJobs call: one atomic step). */
  complete(
    entry: CompleteEntry,
    next?: ClaimRequest,
  ): [Promise<CompleteOutcome>, Promise<ClaimOutcome> | null] {
    const complete = deferred<CompleteEntry, CompleteOutcome>(entry);
    const claim = next ? deferred<ClaimRequest, ClaimOutcome>(next) : undefined;
    this.add({ complete, claim });
    return [complete.promise, claim?.promise ?? null];
  }

  /** A failure, and the next claim of the same caller (in the same MULTI). */
  fail(entry: FailEntry, next?: ClaimRequest): [Promise<ScriptReply>, Promise<ClaimOutcome> | null] {
    const fail = deferred<FailEntry, ScriptReply>(entry);
    const claim = next ? deferred<ClaimRequest, ClaimOutcome>(next) : undefined;
    this.add({ fail, claim });
    return [fail.promise, claim?.promise ?? null];
  }

  claim(request: ClaimRequest): Promise<ClaimOutcome> {
    const claim = deferred<ClaimRequest, ClaimOutcome>(request);
    this.add({ claim });
    return claim.promise;
  }

  private add(unit: Unit): void {
    this.units.push(unit);
    if (this.scheduled) return;
    this.scheduled = true;
    // Replies bring callers back together: wait for the end of this turn of the event loop to gather them.
    // A lone caller with nothing in flight (concurrency 1) has no one to wait for: flush after this task.
    if (this.inFlight === 0 && this.lastFlush <= 1) queueMicrotask(() => this.flush());
    else setImmediate(() => this.flush());
  }

  /**
   * Sends what gathered as one or two calls (SPLIT_AT), each a settle with its claims (plus any failures, in
   * one MULTI with them).
   */
  private flush(): void {
    this.scheduled = false;
    const units = this.units;
    this.units = [];
    this.lastFlush = units.length;
    const size = units.length >= SPLIT_AT ? Math.ceil(units.length / 2) : units.length;
    for (let i = 0; i < units.length; i += size) void this.flushChunk(units.slice(i, i + size));
  }

  private async flushChunk(units: Unit[]): Promise<void> {
    const completes: Waiting<CompleteEntry, CompleteOutcome>[] = [];
    const fails: Waiting<FailEntry, ScriptReply>[] = [];
    const claims: Waiting<ClaimRequest, ClaimOutcome>[] = [];
    for (const u of units) {
      if (u.complete) completes.push(u.complete);
      if (u.fail) fails.push(u.fail);
      if (u.claim) claims.push(u.claim);
    }
    try {
      const head = claims.length === 0 ? '' : (this.head.known() ?? (await this.head.get()));
      if (head === '') for (const w of claims.splice(0)) w.resolve({ kind: 'none' });
      const calls: Call[] = fails.map((w) => this.failCall(w));
      const groups = groupByTask(completes);
      // The claims ride on the first settle call (or on their own when nothing settles).
      if (groups.length === 0 && claims.length > 0) groups.push([]);
      groups.forEach((group, i) => {
        calls.push(this.settleCall(group, i === 0 ? claims : [], head as TaskId));
      });
      await this.send(calls);
    } catch (error) {
      for (const w of [...completes, ...fails, ...claims]) w.reject(error);
    }
  }

  /** One call alone goes as a plain command; several go in one MULTI (atomic together, one round trip). */
  private async send(calls: Call[]): Promise<void> {
    const { redis } = this.ctx;
    if (calls.length === 1) {
      const call = calls[0]!;
      let reply: ScriptReply;
      this.inFlight++;
      try {
        reply = await (call.send(redis) as Promise<ScriptReply>);
      } catch (error) {
        return call.done(error as Error, undefined);
      } finally {
        this.inFlight--;
      }
      return call.done(null, reply);
    }
    if (calls.length === 0) return;
    const multi = redis.multi();
    for (const call of calls) call.send(multi);
    this.inFlight++;
    const replies = (await multi.exec().finally(() => this.inFlight--)) ?? [];
    calls.forEach((call, i) => {
      const [error, reply] = replies[i] ?? [
        new Error('redis returned no reply for a queued script'),
        undefined,
      ];
      call.done(error, reply as ScriptReply | undefined);
    });
  }

  private partsOf(taskId: TaskId): TaskParts {
    let parts = this.parts.get(taskId);
    if (parts) return parts;
    const { keys } = this.ctx;
    const repo = repoOfTaskId(taskId)!;
    const members = taskMembers(taskId);
    parts = {
      id: taskId,
      task: keys.task(taskId),
      queue: keys.queue(taskId),
      lock: keys.lock(repo),
      active: keys.active(repo),
      members,
      started: `"type":"job.started",${members}`,
      finished: `"type":"task.finished",${members}`,
    };
    if (this.parts.size >= TASK_PARTS_CAPACITY) this.parts.clear();
    this.parts.set(taskId, parts);
    return parts;
  }

  /** One settleJobs call: the completes of one task, then the claims (from `claimTask`, the head). */
  private settleCall(
    group: Waiting<CompleteEntry, CompleteOutcome>[],
    claims: Waiting<ClaimRequest, ClaimOutcome>[],
    claimTask: TaskId,
  ): Call {
    const t = this.partsOf(group[0]?.entry.taskId ?? claimTask);
    const c = claims.length === 0 || claimTask === t.id ? t : this.partsOf(claimTask);
    return new SettleCall(this.ctx, t, c, group, claims, this.head);
  }

  private failCall(w: Waiting<FailEntry, ScriptReply>): Call {
    return new FailCall(this.ctx, this.partsOf(w.entry.taskId), w);
  }
}

/** A settleJobs call (a class, not an object of closures: one is built for every flush). */
class SettleCall implements Call {
  private readonly args: (string | number)[] = [];

  constructor(
    private readonly ctx: RedisContext,
    private readonly t: TaskParts,
    private readonly c: TaskParts,
    private readonly group: Waiting<CompleteEntry, CompleteOutcome>[],
    private readonly claims: Waiting<ClaimRequest, ClaimOutcome>[],
    private readonly head: { seen(head: string): void },
  ) {
    for (const { entry } of group) {
      const { result } = entry;
      this.args.push(
        entry.jobId,
        entry.token,
        JSON.stringify(result),
        result.status === 'drifted' ? '1' : '0',
        `{"type":"job.completed",${jobMembers(entry.jobId, entry.stack)},${t.members},"status":${JSON.stringify(result.status)},"kinds":${JSON.stringify(result.kinds)}}`,
      );
    }
    for (const { entry } of claims)
      this.args.push(entry.workerId, JSON.stringify(entry.workerId), entry.token, entry.leaseMs);
  }

  send(target: ChainableCommander | Redis): unknown {
    const { keys, retentionMs, eventCapacity } = this.ctx;
    const { t, c } = this;
    return target.driftd_settleJobs(
      keys.ready,
      keys.leases,
      keys.events,
      c.task,
      c.queue,
      c.lock,
      t.task,
      t.lock,
      t.active,
      keys.live,
      keys.seq,
      eventCapacity,
      retentionMs,
      t.id,
      t.finished,
      c.id,
      c.started,
      this.group.length,
      this.claims.length,
      ...this.args,
    );
  }

  done(error: Error | null, reply: ScriptReply | undefined): void {
    const { group, claims } = this;
    if (error || !reply) {
      rejectAll([...group, ...claims], error);
      return;
    }
    const outcomes = completeOutcomes(
      reply,
      group.map((w) => w.entry.result),
    );
    for (let i = 0; i < group.length; i++) group[i]!.resolve(outcomes[i]!);
    if (claims.length === 0) return;
    const claimed = claimOutcomes(reply, this.c.id, group.length);
    this.head.seen(claimed.head);
    for (let i = 0; i < claims.length; i++) claims[i]!.resolve(claimed.outcomes[i] ?? claimed.none);
  }
}

/** A failJob call (its job's failure, with a retry when attempts remain). */
class FailCall implements Call {
  constructor(
    private readonly ctx: RedisContext,
    private readonly t: TaskParts,
    private readonly w: Waiting<FailEntry, ScriptReply>,
  ) {}

  send(target: ChainableCommander | Redis): unknown {
    const { keys, retentionMs, eventCapacity } = this.ctx;
    const { t } = this;
    const { jobId, token, failure, result } = this.w.entry;
    return target.driftd_failJob(
      t.task,
      t.lock,
      t.active,
      keys.live,
      keys.leases,
      keys.ready,
      t.queue,
      keys.seq,
      keys.events,
      jobId,
      token,
      failure.kind,
      failure.message,
      isRetryable(failure.kind) ? '1' : '0',
      countsAsErrored(failure.kind) ? '1' : '0',
      result === undefined ? '' : JSON.stringify(result),
      retentionMs,
      keys.wakeChannel,
      t.id,
      eventCapacity,
      `"type":"job.failed",${jobMembers(jobId)},${t.members},"failure":${JSON.stringify(failure.kind)},"message":${JSON.stringify(failure.message)}`,
      t.finished,
    );
  }

  done(error: Error | null, reply: ScriptReply | undefined): void {
    if (error || !reply) this.w.reject(error);
    else this.w.resolve(reply);
  }
}

function rejectAll(group: readonly Waiting<unknown, unknown>[], error: unknown): void {
  const cause = error ?? new Error('redis returned no reply for a queued script');
  for (const w of group) w.reject(cause);
}

function groupByTask<E extends { readonly taskId: TaskId }, R>(all: Waiting<E, R>[]): Waiting<E, R>[][] {
  if (all.every((w) => w.entry.taskId === all[0]!.entry.taskId)) return all.length > 0 ? [all] : [];
  const groups = new Map<TaskId, Waiting<E, R>[]>();
  for (const w of all) {
    const group = groups.get(w.entry.taskId);
    if (group) group.push(w);
    else groups.set(w.entry.taskId, [w]);
  }
  return [...groups.values()];
}

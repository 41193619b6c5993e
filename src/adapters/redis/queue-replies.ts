import { applyDelta, counterDelta, type TaskCounters } from '../../domain/counters.js';
import type { DomainEvent } from '../../domain/events.js';
import type { JobFailure } from '../../domain/failure.js';
import type { JobId } from '../../domain/ids.js';
import type { Job, JobResultSummary, RunningJob } from '../../domain/job.js';
import type { Task } from '../../domain/task.js';
import type { ClaimedJob, ClaimRequest } from '../../ports/job-queue.port.js';
import { repoOfTaskId, stackOfJobId } from './keys.js';
import { decodeJob, decodeTask, type Flat } from './records.js';
import type { TaskStatics } from './task-statics.js';

/**
 * Turns script replies (HMGET snapshots of a task and a job after the transition) into the port's
 * result shapes and the transition's domain events, built as the domain transitions build them
 * (src/domain/job.ts, src/domain/task.ts). Job events carry their task's counters after the move, like
 * the memory adapter's.
 */

export interface Snapshot {
  readonly task: Task;
  readonly job: Job;
}

export function snapshot(jobId: string, taskFlat: unknown, jobFlat: unknown): Snapshot {
  const task = decodeTask(taskFlat as Flat);
  const job = task && decodeJob(jobId as JobId, taskFlat as Flat, jobFlat as Flat);
  if (!task || !job) throw new Error(`redis script returned no record for job ${jobId}`);
  return { task, job };
}

/** A script's D (TASK_STATE_FIELDS without lockTtlMs) and J (JOB_READ_FIELDS) replies. */
export type Row = readonly (string | number | null | false)[];

/** A claim or settle script's reply parts for one job. */
export interface JobReply {
  readonly d: unknown;
  readonly j: unknown;
  /** The job's stack, when the script returned it (else it is read from the job id). */
  readonly stack?: string;
  /** Set when the script finished the task: its `now`, and the reason when it failed. */
  readonly finished?: { readonly at: number; readonly reason: string | null } | undefined;
}

/** What one `complete()` entry of a settleJobs call got: its code, and the task after its own move. */
export interface CompleteOutcome extends JobReply {
  readonly code: number;
  readonly now: number;
}

/** What one claimer of a settleJobs call got. */
export type ClaimOutcome =
  | {
      readonly kind: 'claimed';
      readonly jobId: string;
      readonly taskId: string;
      readonly stack: string;
      readonly now: number;
      readonly d: Row;
      readonly j: Row;
    }
  /** Nothing is pending (or the head task's record is malformed: nothing is claimable from it). */
  | { readonly kind: 'none' }
  /** The head moved (other claimers emptied or overtook the task asked for): claim again. */
  | { readonly kind: 'retry' };

type Reply = readonly unknown[];

const text = (v: string | number | null | false | undefined): string | undefined =>
  v === null || v === undefined || v === false || v === '' ? undefined : String(v);

function countersOf(d: Row): TaskCounters {
  return {
    total: Number(d[1] ?? 0),
    queued: Number(d[2] ?? 0),
    running: Number(d[3] ?? 0),
    completed: Number(d[4] ?? 0),
    failed: Number(d[5] ?? 0),
    drifted: Number(d[6] ?? 0),
    errored: Number(d[7] ?? 0),
  };
}

function rowOf(status: string, c: TaskCounters): Row {
  return [status, c.total, c.queued, c.running, c.completed, c.failed, c.drifted, c.errored];
}

const RUNNING = { status: 'running' } as const;
const PENDING = { status: 'pending' } as const;

/** The counters after a settle completed a job with `status` (the domain's counterDelta). */
function afterComplete(c: TaskCounters, status: unknown): TaskCounters {
  const driftStatus = status === 'drifted' ? 'drifted' : 'in_sync';
  return applyDelta(c, counterDelta(RUNNING, { status: 'completed', driftStatus }));
}

/** The counters after a claim leased a pending job. */
function afterClaim(c: TaskCounters): TaskCounters {
  return applyDelta(c, counterDelta(PENDING, RUNNING));
}
const value = (v: unknown): string | number | null =>
  typeof v === 'string' || typeof v === 'number' ? v : null;

/** Where a settleJobs reply's parts start: `{ now, head, finished at, reason, claim code, T's D, codes }`. */
const SETTLE_D = 5;
const SETTLE_CODES = SETTLE_D + 8;

/**
 * Each complete's outcome from a settleJobs reply (flat: see the script's header): the task after each entry
 * is the counters before the batch replayed with the domain's counterDelta, entry by entry, as the script
 * moved them. The job's own fields come from its claim (`j`).
 */
export function completeOutcomes(reply: Reply, results: readonly JobResultSummary[]): CompleteOutcome[] {
  const now = Number(reply[0]);
  const fin = reply[2];
  const reason = typeof reply[3] === 'string' ? reply[3] : '';
  const before = reply.slice(SETTLE_D, SETTLE_CODES) as Row;
  const codes = reply.slice(SETTLE_CODES, SETTLE_CODES + results.length);
  let status = String(before[0]);
  let counters = countersOf(before);
  return codes.map((raw, i) => {
    const code = Number(raw);
    if (code === 1) counters = afterComplete(counters, results[i]!.status);
    const finishedHere = i + 1 === Number(fin);
    if (finishedHere) status = reason ? 'failed' : 'completed';
    return {
      code,
      now,
      d: rowOf(status, counters),
      j: [],
      finished: finishedHere ? { at: now, reason: reason || null } : undefined,
    };
  });
}

/**
 * Each claimer's outcome from a settleJobs reply (flat: after the `completes` codes, C's D before and 5 per
 * claimer served: jobId, attempt before, lastKind, lastMsg, stack), the ready index's head after it, and
 * what a claimer who got nothing gets (`none`). The counters after each claim are the counters before
 * replayed with counterDelta, claim by claim.
 */
export function claimOutcomes(
  reply: Reply,
  taskId: string,
  completes: number,
): { head: string; outcomes: ClaimOutcome[]; none: ClaimOutcome } {
  const now = Number(reply[0]);
  const head = typeof reply[1] === 'string' ? reply[1] : '';
  const code = Number(reply[4]);
  // Without a job: claim again while something is pending, unless the head task is malformed.
  const none: ClaimOutcome = head === '' || code === -10 ? { kind: 'none' } : { kind: 'retry' };
  if (code !== 1) return { head, outcomes: [], none };
  const at = SETTLE_CODES + completes;
  const before = reply.slice(at, at + 8) as Row;
  const status = String(before[0]);
  let counters = countersOf(before);
  const outcomes: ClaimOutcome[] = [];
  for (let i = at + 8; i + 5 <= reply.length; i += 5) {
    const r = reply.slice(i, i + 5) as Row;
    counters = afterClaim(counters);
    outcomes.push({
      kind: 'claimed',
      jobId: String(r[0]),
      taskId,
      now,
      d: rowOf(status, counters),
      j: [null, null, value(r[1]), null, value(r[2]), value(r[3])],
      stack: String(r[4]),
    });
  }
  return { head, outcomes, none };
}

/**
 * The task from its cached statics and the D a script returned, keys in decodeTask's order. A task the
 * script did not finish is live (claims and settles act only on live tasks): no finish fields.
 */
export function taskFrom(s: TaskStatics, d: Row, finished?: JobReply['finished']): Task {
  const task: Record<string, unknown> = { id: s.id, repo: s.repo, status: String(d[0]), trigger: s.trigger };
  if (s.commit !== undefined) task.commit = s.commit;
  if (s.stack !== undefined) task.stack = s.stack;
  task.counters = countersOf(d);
  task.createdAt = s.createdAt;
  if (s.startedAt !== undefined) task.startedAt = s.startedAt;
  if (finished) {
    task.finishedAt = finished.at;
    if (finished.reason) task.reason = finished.reason;
  }
  return task as unknown as Task;
}

/** The fields every job state shares, in decodeJob's order, from J before the move. */
function jobBase(
  jobId: string,
  s: TaskStatics,
  j: Row,
  attempt: number,
  now: number,
  stack: string | null = stackOfJobId(jobId),
): Record<string, unknown> {
  const job: Record<string, unknown> = { id: jobId, taskId: s.id, repo: s.repo, stack };
  if (s.commit !== undefined) job.commit = s.commit;
  job.attempt = attempt;
  job.maxAttempts = s.maxAttempts;
  job.createdAt = s.createdAt;
  job.updatedAt = now;
  const lastKind = text(j[4]);
  if (lastKind !== undefined) job.lastFailure = { kind: lastKind, message: text(j[5]) ?? '' };
  return job;
}

/** A claim (alone, or the next job of a settle): the running job, its task and `job.started`. */
export function claimedJob(
  jobId: string,
  now: number,
  s: TaskStatics,
  reply: JobReply,
  request: ClaimRequest,
): ClaimedJob {
  const task = taskFrom(s, reply.d as Row);
  const job = jobBase(jobId, s, reply.j as Row, Number((reply.j as Row)[2] ?? 0) + 1, now, reply.stack);
  job.status = 'running';
  job.workerId = request.workerId;
  job.leaseToken = request.token;
  job.leaseDeadline = now + request.leaseMs;
  job.startedAt = now;
  const running = job as unknown as RunningJob;
  const event: DomainEvent = {
    type: 'job.started',
    jobId: running.id,
    taskId: running.taskId,
    repo: running.repo,
    stack: running.stack,
    attempt: running.attempt,
    workerId: running.workerId,
    counters: task.counters,
    occurredAt: now,
  };
  return { job: running, task, events: [event] };
}

/** The job and task after completeJob. */
export function completedJob(
  jobId: string,
  now: number,
  s: TaskStatics,
  reply: JobReply,
  result: JobResultSummary,
): Snapshot {
  const j = reply.j as Row;
  const job = jobBase(jobId, s, j, Number(j[2] ?? 0), now, reply.stack);
  job.status = 'completed';
  job.startedAt = Number(j[3] ?? 0);
  job.finishedAt = now;
  job.result = result;
  return { task: taskFrom(s, reply.d as Row, reply.finished), job: job as unknown as Job };
}

/** The job and task after failJob: pending again when `retried`, else failed (keeping `result`). */
export function failedJob(
  jobId: string,
  now: number,
  s: TaskStatics,
  reply: JobReply & { readonly retried: boolean },
  failure: JobFailure,
  result: JobResultSummary | undefined,
): Snapshot {
  const j = reply.j as Row;
  const job = jobBase(jobId, s, j, Number(j[2] ?? 0), now);
  const copy = { kind: failure.kind, message: failure.message };
  job.lastFailure = copy;
  if (reply.retried) {
    job.status = 'pending';
    job.queuedAt = now;
  } else {
    job.status = 'failed';
    const startedAt = text(j[3]);
    if (startedAt !== undefined) job.startedAt = Number(startedAt);
    job.finishedAt = now;
    job.failure = copy;
    if (result !== undefined) job.result = result;
  }
  return { task: taskFrom(s, reply.d as Row, reply.finished), job: job as unknown as Job };
}

/** The members of an event about job `jobId` that name it (JSON, no braces), for the scripts to complete. */
export function jobMembers(jobId: string, stack: string | null = stackOfJobId(jobId)): string {
  return `"jobId":${JSON.stringify(jobId)},"stack":${JSON.stringify(stack)}`;
}

let lastMembers: { taskId: string; members: string } | null = null;

/** The members of an event about task `taskId` that name it (JSON, no braces); the last one is kept. */
export function taskMembers(taskId: string): string {
  if (lastMembers?.taskId === taskId) return lastMembers.members;
  const members = `"taskId":${JSON.stringify(taskId)},"repo":${JSON.stringify(repoOfTaskId(taskId))}`;
  lastMembers = { taskId, members };
  return members;
}

/**
 * The events of a settleJobs stream entry (field `s`): `[now, T id, T's counters before, C id, C's counters
 * before (read only when C is not T), ...events without counters and occurredAt]`. Each event gets its
 * task's counters replayed event by event with the domain's counterDelta, as completeOutcomes and
 * claimOutcomes replay them for the events the queue returns, so both are equal. The script writes no
 * counters per event: Redis, shared by every worker, skips formatting them; readers (serve) do the sums.
 */
export function settleEntryEvents(entry: readonly unknown[]): DomainEvent[] {
  const [at, t, tBefore, c, cBefore, ...events] = entry as [
    number,
    string,
    unknown[],
    string,
    unknown[],
    ...Reply,
  ];
  // An entry's counters are `[total, queued, ...]`: a D without its status.
  const counters = new Map<string, TaskCounters>([[t, countersOf([null, ...(tBefore as Row)])]]);
  if (c !== t) counters.set(c, countersOf([null, ...(cBefore as Row)]));
  return events.map((raw) => {
    const event = raw as Record<string, unknown> & { type: string; taskId: string; status?: string };
    let now = counters.get(event.taskId) ?? countersOf([]);
    if (event.type === 'job.completed') now = afterComplete(now, event.status);
    else if (event.type === 'job.started') now = afterClaim(now);
    counters.set(event.taskId, now);
    return { ...event, counters: now, occurredAt: Number(at) } as unknown as DomainEvent;
  });
}

/** The job event of a settle (completed, or failed with/without retry) plus `task.finished` when it ended. */
export function settleEvents(snap: Snapshot, finished: boolean, now: number): DomainEvent[] {
  const { task, job } = snap;
  const ids = { jobId: job.id, taskId: job.taskId, repo: job.repo, stack: job.stack };
  const events: DomainEvent[] = [];
  if (job.status === 'completed') {
    const { status, kinds } = job.result;
    events.push({ type: 'job.completed', ...ids, status, kinds, counters: task.counters, occurredAt: now });
  } else {
    const failure = job.status === 'failed' ? job.failure : job.lastFailure;
    events.push({
      type: 'job.failed',
      ...ids,
      failure: failure?.kind ?? 'internal',
      message: failure?.message ?? '',
      willRetry: job.status === 'pending',
      counters: task.counters,
      occurredAt: now,
    });
  }
  if (finished) events.push(taskFinished(task, task.counters, now));
  return events;
}

/** `task.finished` for a task that just ended completed or failed. */
export function taskFinished(task: Task, counters: Task['counters'], now: number): DomainEvent {
  return {
    type: 'task.finished',
    taskId: task.id,
    repo: task.repo,
    status: task.status === 'completed' ? 'completed' : 'failed',
    counters,
    ...(task.reason !== undefined && { reason: task.reason }),
    occurredAt: now,
  };
}

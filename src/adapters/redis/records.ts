import type { FailureKind, JobFailure } from '../../domain/failure.js';
import type { JobId, LeaseToken, RepoName, StackPath, TaskId } from '../../domain/ids.js';
import type { Job, JobResultSummary } from '../../domain/job.js';
import type { Task } from '../../domain/task.js';

/**
 * How a task and its jobs are laid out in one Redis hash (`keys.task(taskId)`):
 * task fields by name (counters are plain integer fields the scripts HINCRBY), plus `lockTtlMs` and
 * `jobs` (JSON array of job ids in stack order), and each job's fields as `<field>@<jobId>`.
 * Keeping a task's jobs inside its hash gives every script a fixed set of KEYS (cancel/expire iterate the
 * jobs without naming a key per job) and one TTL per task once it ends.
 *
 * The Lua scripts return `HMGET`s of exactly these lists, in this order (`local TF`/`local JF` in each
 * script; the script registry test checks they match).
 */
export const TASK_FIELDS = [
  'id',
  'repo',
  'status',
  'trigger',
  'commit',
  'stack',
  'createdAt',
  'startedAt',
  'finishedAt',
  'reason',
  'supersededBy',
  'maxAttempts',
  'total',
  'queued',
  'running',
  'completed',
  'failed',
  'drifted',
  'errored',
] as const;

export const JOB_FIELDS = [
  'status',
  'attempt',
  'stack',
  'queuedAt',
  'updatedAt',
  'workerId',
  'leaseToken',
  'leaseDeadline',
  'startedAt',
  'finishedAt',
  'result',
  'failKind',
  'failMsg',
  'lastKind',
  'lastMsg',
  'reason',
] as const;

/**
 * The task fields a claim or settle script reads and returns for every job (`local D` in those scripts):
 * what changes while a task runs (status, counters) plus `total` and `lockTtlMs`. The rest comes from
 * TaskStaticsCache, and a script that finishes the task returns its reason (finishedAt is its `now`).
 * Replies carry D without its last entry (lockTtlMs).
 */
export const TASK_STATE_FIELDS = [
  'status',
  'total',
  'queued',
  'running',
  'completed',
  'failed',
  'drifted',
  'errored',
  'lockTtlMs',
] as const;
// The settle script also reads `seqEnd` (the last enqueue sequence the start gave the task's jobs) and
// `lockAt` (when claims last renewed the repo lock), written by the start script.

/** The job fields a claim or settle script reads before its move (`local J`); the stack is in the id. */
export const JOB_READ_FIELDS = [
  'status',
  'leaseToken',
  'attempt',
  'startedAt',
  'lastKind',
  'lastMsg',
] as const;

/** One HMGET reply: values in field order, null where the field is absent. */
export type Flat = readonly (string | null)[];
type Fields<K extends string> = Record<K, string | undefined>;

export function jobFieldNames(jobId: string): string[] {
  return JOB_FIELDS.map((f) => `${f}@${jobId}`);
}

function zip<K extends string>(names: readonly K[], values: Flat): Fields<K> {
  const out = {} as Fields<K>;
  names.forEach((n, i) => {
    const v = values[i];
    out[n] = v === null || v === undefined || v === '' ? undefined : v;
  });
  return out;
}

const num = (v: string | undefined): number => Number(v ?? 0);
const opt = <K extends string, V>(key: K, v: V | undefined) =>
  (v === undefined ? {} : { [key]: v }) as Partial<Record<K, V>>;

/** A reply value: a string, a number (scripts return counters they computed as integers) or null. */
type Value = string | number | null | undefined;
const present = (v: Value): v is string | number => v !== null && v !== undefined && v !== '';

/**
 * The task in a TASK_FIELDS reply, or null when the record does not exist (expired or never written).
 * Reads by index, without intermediate objects: it runs for every claimed and settled job.
 */
export function decodeTask(flat: Flat | readonly Value[]): Task | null {
  const [id, repo, status, trigger, commit, stack, createdAt, startedAt, finishedAt, reason, supersededBy] =
    flat;
  if (!present(id) || !present(status)) return null;
  const task: Record<string, unknown> = {
    id: String(id),
    repo: String(repo),
    status,
    trigger: JSON.parse(present(trigger) ? String(trigger) : '{}'),
  };
  if (present(commit)) task.commit = String(commit);
  if (present(stack)) task.stack = String(stack);
  task.counters = {
    total: Number(flat[12] ?? 0),
    queued: Number(flat[13] ?? 0),
    running: Number(flat[14] ?? 0),
    completed: Number(flat[15] ?? 0),
    failed: Number(flat[16] ?? 0),
    drifted: Number(flat[17] ?? 0),
    errored: Number(flat[18] ?? 0),
  };
  task.createdAt = Number(createdAt ?? 0);
  if (present(startedAt)) task.startedAt = Number(startedAt);
  if (present(finishedAt)) task.finishedAt = Number(finishedAt);
  if (present(reason)) task.reason = String(reason);
  if (present(supersededBy)) task.supersededBy = String(supersededBy);
  return task as unknown as Task;
}

function failure(kind: string | undefined, message: string | undefined): JobFailure | undefined {
  return kind === undefined ? undefined : { kind: kind as FailureKind, message: message ?? '' };
}

/** The job in a JOB_FIELDS reply (its task's TASK_FIELDS give repo, commit, limits), or null if absent. */
export function decodeJob(jobId: JobId, taskFlat: Flat, jobFlat: Flat): Job | null {
  const t = zip(TASK_FIELDS, taskFlat);
  const j = zip(JOB_FIELDS, jobFlat);
  if (t.id === undefined || j.status === undefined) return null;
  const base = {
    id: jobId,
    taskId: t.id as TaskId,
    repo: t.repo as RepoName,
    stack: j.stack as StackPath,
    ...opt('commit', t.commit),
    attempt: num(j.attempt),
    maxAttempts: num(t.maxAttempts),
    createdAt: num(t.createdAt),
    // The start and settle scripts do not write updatedAt with queuedAt/startedAt/finishedAt: the latest is it.
    updatedAt: Math.max(num(j.updatedAt), num(j.queuedAt), num(j.startedAt), num(j.finishedAt)),
    ...opt('lastFailure', failure(j.lastKind, j.lastMsg)),
  };
  const result = j.result === undefined ? undefined : (JSON.parse(j.result) as JobResultSummary);
  switch (j.status) {
    case 'pending':
      return { ...base, status: 'pending', queuedAt: num(j.queuedAt) };
    case 'running':
      return {
        ...base,
        status: 'running',
        workerId: j.workerId ?? '',
        leaseToken: (j.leaseToken ?? '') as LeaseToken,
        leaseDeadline: num(j.leaseDeadline),
        startedAt: num(j.startedAt),
      };
    case 'completed':
      return {
        ...base,
        status: 'completed',
        startedAt: num(j.startedAt),
        finishedAt: num(j.finishedAt),
        result: result as JobResultSummary,
      };
    case 'failed':
      return {
        ...base,
        status: 'failed',
        ...opt('startedAt', j.startedAt === undefined ? undefined : num(j.startedAt)),
        finishedAt: num(j.finishedAt),
        failure: failure(j.failKind, j.failMsg) ?? { kind: 'internal', message: 'unknown failure' },
        ...opt('result', result),
      };
    case 'canceled':
      return { ...base, status: 'canceled', finishedAt: num(j.finishedAt), reason: j.reason ?? '' };
    default:
      return { ...base, status: 'created' };
  }
}

import { DriftdError } from '../../domain/errors.js';
import type { JobId, RepoName, StackPath, TaskId } from '../../domain/ids.js';
import { parseJobId, parseTaskId, taskIdOfJob } from '../../domain/ids.js';

export const DEFAULT_PREFIX = 'driftd:';

/** How many of the newest events the event stream keeps (RedisEventBus and the queue scripts that append). */
export const DEFAULT_EVENT_CAPACITY = 10_000;

/**
 * Every Redis key driftd uses, under one prefix (default `driftd:`).
 *
 * Per-repo keys share the hash tag `{<repo>}` (`driftd:{my-infra}:task:my-infra:1706712345678`), so a
 * script that touches one repo's task record (which also holds its jobs' fields), lock and active
 * pointer stays in one cluster slot.
 *
 * Pending jobs wait in their task's own queue (`queue(taskId)`, in the repo's slot); the ready index
 * orders tasks by their oldest pending job, so claims stay FIFO across tasks.
 *
 * Global keys (documented exception): the ready index, the lease set, the live-task index, the enqueue
 * sequence, the event stream and the result outbox are shared by all repos. Scripts that move a job
 * touch one repo slot plus these global keys: correct on a single node or a primary/replica pair, but on
 * Redis Cluster they would raise CROSSSLOT; a cluster needs them split per slot, left for later.
 *
 * Lifetimes (checked by the TTL audit test):
 * - task record: no TTL while live; PEXPIRE retention when it ends (completed/failed/canceled).
 * - lock, active pointer: PX ttl / deleted when the task ends.
 * - repo task/job indexes: bounded ZSETs (ZREMRANGEBYRANK), entries of expired records skipped on read.
 * - task queue: emptied by claims (or deleted by cancel/expire/supersede), so an ended task has none.
 * - ready, leases, live: members removed by the transitions that end them.
 * - seq: one counter; events: capped stream; outbox lists: drained by serve.
 */
export interface RedisKeys {
  readonly prefix: string;
  /** STRING: the repo lock, value = owner (a task id for task locks), PX = lock TTL. */
  lock(repo: RepoName): string;
  /** STRING: the repo's active (live) task id. */
  active(repo: RepoName): string;
  /** HASH: the task record plus its jobs' fields (`<field>@<jobId>`) and counters. */
  task(taskId: TaskId): string;
  /** ZSET: recent task ids of a repo by creation time, capped. */
  repoTasks(repo: RepoName): string;
  /** ZSET: recent job ids of a repo by enqueue sequence, capped. */
  repoJobs(repo: RepoName): string;
  /** ZSET: the task's pending job ids scored by enqueue sequence: FIFO, a member at most once. */
  queue(taskId: TaskId): string;
  /**
   * ZSET (global): the ids of tasks with pending jobs, scored by the enqueue sequence of their oldest pending
   * job, so its first member holds the globally oldest pending job (claims take from it: FIFO across tasks).
   */
  readonly ready: string;
  /** ZSET (global): running job ids scored by lease deadline (ms, Redis server time). */
  readonly leases: string;
  /** STRING (global): the enqueue sequence counter. */
  readonly seq: string;
  /** ZSET (global): live task ids scored by creation time (for task_max_age and lock renewal). */
  readonly live: string;
  /** STREAM (global): domain events, capped. */
  readonly events: string;
  /** LIST (global): worker results waiting for serve to store them. */
  readonly outbox: string;
  /** LIST (global): outbox entries being stored by a drain (moved back on restart). */
  readonly outboxProcessing: string;
  /** Pub/sub channel (not a key): "work may be available". */
  readonly wakeChannel: string;
}

export function makeKeys(prefix: string = DEFAULT_PREFIX): RedisKeys {
  if (/[{}\s]/.test(prefix)) {
    throw new DriftdError(
      'DRIFTD_CONFIG_INVALID',
      `redis.prefix "${prefix}" must not contain braces or spaces`,
    );
  }
  const repoKey = (repo: string, name: string) => `${prefix}{${repo}}:${name}`;
  return {
    prefix,
    lock: (repo) => repoKey(repo, 'lock'),
    active: (repo) => repoKey(repo, 'active'),
    task: (taskId) => repoKey(requireRepo(taskId), `task:${taskId}`),
    repoTasks: (repo) => repoKey(repo, 'tasks'),
    repoJobs: (repo) => repoKey(repo, 'jobs'),
    queue: (taskId) => repoKey(requireRepo(taskId), `queue:${taskId}`),
    ready: `${prefix}queue:ready`,
    leases: `${prefix}queue:leases`,
    seq: `${prefix}queue:seq`,
    live: `${prefix}tasks:live`,
    events: `${prefix}events`,
    outbox: `${prefix}results:outbox`,
    outboxProcessing: `${prefix}results:processing`,
    wakeChannel: `${prefix}queue:wake`,
  };
}

/**
 * Parses are memoized: every claim and settle derives keys from a few ids several times, and a full
 * validation (repo name, stack path rules) per derivation showed in profiles. Bounded: cleared when full.
 */
function memo<T>(parse: (id: string) => T): (id: string) => T {
  const seen = new Map<string, T>();
  return (id) => {
    let value = seen.get(id);
    if (value === undefined && !seen.has(id)) {
      if (seen.size >= 4096) seen.clear();
      value = parse(id);
      seen.set(id, value);
    }
    return value as T;
  };
}

const repoOfTask = memo((taskId) => parseTaskId(taskId)?.repo ?? null);
const taskOfJob = memo((jobId) => taskIdOfJob(jobId as JobId));
const stackOfJob = memo((jobId) => parseJobId(jobId)?.stack ?? null);

/** The stack a job id names (`<repo>:<stack>:<timestamp>`), or null when it is not a driftd job id. */
export function stackOfJobId(jobId: string): StackPath | null {
  return stackOfJob(jobId);
}

/** The repo a task id belongs to (`<repo>:<timestamp>`), or null when it is not a driftd task id. */
export function repoOfTaskId(taskId: string): RepoName | null {
  return repoOfTask(taskId);
}

function requireRepo(taskId: TaskId): RepoName {
  const repo = repoOfTaskId(taskId);
  if (repo === null) throw new DriftdError('DRIFTD_INVALID_INPUT', `"${taskId}" is not a task id`);
  return repo;
}

/** The task a job id belongs to (`<repo>:<stack>:<timestamp>`), or null when it is not a driftd job id. */
export function taskOfJobId(jobId: string): TaskId | null {
  return taskOfJob(jobId);
}

import { DriftdError } from '../../domain/errors.js';
import type { DomainEvent } from '../../domain/events.js';
import { makeJobId, parseTaskId, stackPathProblem } from '../../domain/ids.js';
import { createJob, enqueueJob, type Job } from '../../domain/job.js';
import { createTask, startTask as startDomainTask, type Task } from '../../domain/task.js';
import type { StartTaskOutcome, StartTaskRequest } from '../../ports/task-store.port.js';
import type { ScriptReply } from './load-scripts.js';
import { decodeTask, type Flat } from './records.js';
import type { RedisContext } from './redis-context.js';
import { scriptOutcome } from './script-errors.js';

/** The start script refuses a stale view of the active task; that only lasts while another start races. */
const START_ROUNDS = 10;

/**
 * TaskStore.start on Redis: one `startTask` script call (retried only when the repo's active task changed
 * between our read of it and the script, since the script needs the old task's key in KEYS). The started
 * task and jobs are built with the domain's own transitions from the server time the script used, so they
 * equal what the script stored.
 */
export async function startTask(
  ctx: RedisContext,
  request: StartTaskRequest,
  readTask: (id: string) => Promise<Task | null>,
): Promise<StartTaskOutcome> {
  assertValidIds(request);
  for (let round = 0; round < START_ROUNDS; round++) {
    const seen = await ctx.redis.get(ctx.keys.active(request.repo));
    const reply = await runStartScript(ctx, request, seen);
    const code = Number(reply[0]);
    if (code === 1) return started(request, Number(reply[1]), reply[2] as Flat);
    const outcome = scriptOutcome(code, 'startTask');
    const holderId = outcome === 'task_exists' ? request.taskId : outcome === 'conflict' ? reply[2] : null;
    if (typeof holderId === 'string') {
      const active = await readTask(holderId);
      if (active) return { kind: 'conflict', active };
    }
  }
  throw new DriftdError(
    'DRIFTD_INTERNAL',
    `could not start a task for ${request.repo}: too much contention`,
    {
      details: { repo: request.repo, taskId: request.taskId },
    },
  );
}

function runStartScript(
  ctx: RedisContext,
  request: StartTaskRequest,
  seen: string | null,
): Promise<ScriptReply> {
  const { redis, keys, retentionMs, tasksPerRepo } = ctx;
  const taskKey = keys.task(request.taskId);
  const reason = request.supersede ? `superseded by ${request.taskId}` : 'repo lock expired';
  return redis.driftd_startTask(
    keys.lock(request.repo),
    keys.active(request.repo),
    taskKey,
    seen === null ? taskKey : keys.task(seen as Task['id']),
    keys.ready,
    keys.seq,
    keys.live,
    keys.repoTasks(request.repo),
    keys.leases,
    keys.queue(request.taskId),
    keys.queue((seen ?? request.taskId) as Task['id']),
    request.taskId,
    request.repo,
    JSON.stringify(request.trigger),
    request.commit ?? '',
    request.stack ?? '',
    request.maxAttempts,
    request.lockTtlMs,
    request.supersede ? '1' : '0',
    seen ?? '',
    reason,
    retentionMs,
    tasksPerRepo,
    keys.wakeChannel,
    JSON.stringify(request.jobs.map((j) => j.id)),
    JSON.stringify(request.jobs.map((j) => j.stack)),
  );
}

/** The outcome of a started task, built by the domain transitions the script mirrors. */
function started(request: StartTaskRequest, now: number, supersededFlat: Flat): StartTaskOutcome {
  const { taskId, repo, trigger, commit, stack } = request;
  const created = createTask(
    {
      id: taskId,
      repo,
      trigger,
      total: request.jobs.length,
      ...(commit !== undefined && { commit }),
      ...(stack !== undefined && { stack }),
    },
    now,
  );
  const begun = startDomainTask(created, now);
  if (!begun.ok) throw new DriftdError('DRIFTD_INTERNAL', `a new task cannot start: ${begun.error.code}`);
  const jobs = queuedJobs(request, now);
  const superseded = supersededFlat.length > 0 ? decodeTask(supersededFlat) : null;
  const events: DomainEvent[] = [];
  if (superseded) {
    events.push({
      type: 'task.canceled',
      taskId: superseded.id,
      repo: superseded.repo,
      reason: superseded.reason ?? '',
      supersededBy: taskId,
      occurredAt: now,
    });
  }
  events.push(...begun.value.events);
  return { kind: 'started', task: begun.value.state, jobs, events, ...(superseded && { superseded }) };
}

/**
 * The started task's jobs: one through the domain transitions (createJob, enqueueJob), the others equal to
 * it but for id and stack (a 20k-job start spent most of its client time repeating the same transitions).
 */
function queuedJobs(request: StartTaskRequest, now: number): Job[] {
  const first = request.jobs[0];
  if (!first) return [];
  const { taskId, repo, commit } = request;
  const job = createJob(
    {
      id: first.id,
      taskId,
      repo,
      stack: first.stack,
      maxAttempts: request.maxAttempts,
      ...(commit !== undefined && { commit }),
    },
    now,
  );
  const queued = enqueueJob(job, now);
  const template = queued.ok ? queued.value.state : job;
  return request.jobs.map((spec) => ({ ...template, id: spec.id, stack: spec.stack }));
}

/**
 * Refuses ids the key layout cannot serve: a task id must be `<repo>:<timestamp>` of its repo and each job
 * id `makeJobId(repo, stack, timestamp)` of the same task and its own (valid) stack, once. Compared as
 * strings, not parsed: a 50k-job start checks every id.
 */
function assertValidIds(request: StartTaskRequest): void {
  const invalid = (message: string, jobId?: string) =>
    new DriftdError('DRIFTD_INVALID_INPUT', message, {
      details: { taskId: request.taskId, ...(jobId !== undefined && { jobId }) },
    });
  const task = parseTaskId(request.taskId);
  if (task === null || task.repo !== request.repo) {
    throw invalid(`task id ${request.taskId} is not a task id of repo ${request.repo}`);
  }
  const seen = new Set<string>();
  for (const job of request.jobs) {
    if (seen.has(job.id)) throw invalid(`job id ${job.id} is used twice`, job.id);
    if (job.id !== makeJobId(task.repo, job.stack, task.timestamp) || stackPathProblem(job.stack) !== null)
      throw invalid(`job id ${job.id} is not the id of stack ${job.stack} in task ${request.taskId}`, job.id);
    seen.add(job.id);
  }
}

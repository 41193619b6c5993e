import type { JobId, TaskId } from '../../domain/ids.js';
import type { JobResultSummary } from '../../domain/job.js';
import type { ClaimRequest } from '../../ports/job-queue.port.js';
import type { Candidates } from './claim-candidates.js';
import { repoOfTaskId } from './keys.js';
import type { ScriptReply } from './load-scripts.js';
import { jobMembers, startedMembers, taskMembers } from './queue-replies.js';
import type { RedisContext } from './redis-context.js';

/** One `complete()` call waiting for its batch. */
export interface CompleteEntry {
  readonly jobId: JobId;
  readonly taskId: TaskId;
  readonly token: string;
  readonly result: JobResultSummary;
  readonly next: ClaimRequest | undefined;
  readonly candidates: Candidates | null;
}

interface Waiting extends CompleteEntry {
  resolve(reply: ScriptReply): void;
  reject(error: unknown): void;
}

/**
 * Coalesces the `complete()` calls one process issues in the same turn of the event loop into one
 * `completeJobs` script call per task (each job's transition still fenced and decided alone, in the
 * script), spreading the per-call costs (EVALSHA, Lua entry, client command) over the batch. Each caller
 * gets back the reply completeJob gave for one job: `{ code, now, finished, D, J, nextCode, nextId, nextD,
 * nextJ, reason }`.
 */
export class CompleteBatcher {
  private waiting: Waiting[] = [];

  constructor(private readonly ctx: RedisContext) {}

  add(entry: CompleteEntry): Promise<ScriptReply> {
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => this.flush());
      this.waiting.push({ ...entry, resolve, reject });
    });
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    const groups = new Map<TaskId, Waiting[]>();
    for (const w of batch) {
      const group = groups.get(w.taskId);
      if (group) group.push(w);
      else groups.set(w.taskId, [w]);
    }
    for (const group of groups.values()) {
      this.run(group).then(
        (replies) => {
          group.forEach((w, i) => {
            w.resolve(replies[i]!);
          });
        },
        (error: unknown) => {
          for (const w of group) w.reject(error);
        },
      );
    }
  }

  private async run(group: Waiting[]): Promise<ScriptReply[]> {
    const { redis, keys, retentionMs, eventCapacity } = this.ctx;
    const taskId = group[0]!.taskId;
    const nextTaskId = group.find((w) => w.candidates)?.candidates?.taskId ?? taskId;
    const repo = repoOfTaskId(taskId)!;
    const args: (string | number)[] = [];
    for (const w of group) {
      const { result } = w;
      const next = w.candidates ? w.next : undefined; // no candidates: the queue looked empty, claim nothing
      args.push(
        w.jobId,
        w.token,
        JSON.stringify(result),
        result.status === 'drifted' ? '1' : '0',
        `"type":"job.completed",${jobMembers(w.jobId)},${taskMembers(taskId)},"status":${JSON.stringify(result.status)},"kinds":${JSON.stringify(result.kinds)}`,
        next?.workerId ?? '',
        next?.token ?? '',
        next?.leaseMs ?? 0,
        next ? startedMembers(nextTaskId, next.workerId) : '',
      );
    }
    for (const id of mergedCandidates(group, nextTaskId)) args.push(id, jobMembers(id));
    const reply = await redis.driftd_completeJobs(
      keys.task(taskId),
      keys.lock(repo),
      keys.active(repo),
      keys.live,
      keys.leases,
      keys.pending,
      keys.task(nextTaskId),
      keys.lock(repoOfTaskId(nextTaskId)!),
      keys.events,
      retentionMs,
      eventCapacity,
      taskId,
      `"type":"task.finished",${taskMembers(taskId)}`,
      nextTaskId,
      group.length,
      ...args,
    );
    const now = reply[0];
    return (reply[1] as unknown[][]).map((r) => [
      r[0],
      now,
      r[1],
      r[2],
      r[3],
      r[4],
      r[5],
      r[6],
      r[7],
      r[8] ?? null,
    ]);
  }
}

/** The candidates of the batch's next task: every caller's first pick (oldest first), then their fallbacks. */
function mergedCandidates(group: readonly Waiting[], nextTaskId: TaskId): string[] {
  const seen = new Set<string>();
  const picks = group.flatMap((w) => (w.candidates?.taskId === nextTaskId ? [w.candidates] : []));
  for (const c of picks) seen.add(c.ids[0]!);
  for (const c of picks) for (const id of c.ids) seen.add(id);
  return [...seen];
}

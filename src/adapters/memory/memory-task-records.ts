import { DriftdError } from '../../domain/errors.js';
import type { StartTaskRequest } from '../../ports/task-store.port.js';
import type { CoordinationState } from './coordination-state.js';

/**
 * Refuses a start request whose job ids repeat or already exist: a caller bug (job ids embed the task
 * timestamp), checked before anything is written so a refused start leaves no trace.
 */
export function assertNewJobs(state: CoordinationState, request: StartTaskRequest): void {
  const seen = new Set<string>();
  for (const job of request.jobs) {
    if (seen.has(job.id) || state.jobs.has(job.id)) {
      throw new DriftdError('DRIFTD_INVALID_INPUT', `job id ${job.id} is used twice`, {
        details: { taskId: request.taskId, jobId: job.id },
      });
    }
    seen.add(job.id);
  }
}

/**
 * Removes ended tasks (and their jobs) that finished at or before `cutoff`. Live tasks and their jobs
 * are never touched. Returns how many task and job records were removed.
 */
export function purgeFinishedTasks(state: CoordinationState, cutoff: number): number {
  let removed = 0;
  for (const [repo, ids] of state.repoTasks) {
    const kept = ids.filter((id) => {
      const task = state.tasks.get(id);
      if (!task) return false;
      if (state.liveTasks.has(id) || task.finishedAt === undefined || task.finishedAt > cutoff) return true;
      for (const jobId of state.taskJobs.get(id) ?? []) {
        if (state.jobs.delete(jobId)) removed++;
        state.pending.delete(jobId);
        state.running.delete(jobId);
      }
      state.taskJobs.delete(id);
      state.tasks.delete(id);
      removed++;
      return false;
    });
    if (kept.length === 0) state.repoTasks.delete(repo);
    else state.repoTasks.set(repo, kept);
  }
  return removed;
}

import { isDriftdError } from '../../domain/errors.js';
import { maxAttempts } from '../../domain/failure.js';
import type { StackPath } from '../../domain/ids.js';
import { makeJobId, makeTaskId, normalizeStackPath, stackPathProblem } from '../../domain/ids.js';
import type { LockPolicy } from '../../domain/lock-policy.js';
import type { Task } from '../../domain/task.js';
import type { EventBus } from '../../ports/event-bus.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { RepoSource } from '../../ports/repo-source.port.js';
import type { ResultStore } from '../../ports/result-store.port.js';
import type { TaskStore } from '../../ports/task-store.port.js';
import type { RepoConfig, WorkerConfig } from '../config/types.js';
import type { IdGenerator } from '../ids.js';
import { errorSummary, publishEvents } from '../publish.js';
import { indexRepos, toRepoSpec } from '../repo-spec.js';
import type { StackCatalog } from '../stack-catalog.js';
import type { StartTask, StartTaskInput, StartTaskResult } from './use-cases.js';

export interface StartTaskDeps {
  repos: readonly RepoConfig[];
  workerConfig: WorkerConfig;
  lockPolicy: LockPolicy;
  taskStore: TaskStore;
  repoSource: RepoSource;
  resultStore: ResultStore;
  stackCatalog: StackCatalog;
  eventBus: EventBus;
  ids: IdGenerator;
  logger: Logger;
}

/**
 * Whether a new trigger may cancel the repo's active task (`cancel_inflight_on_new_trigger`).
 * A single-stack trigger never cancels a running full scan: it gets a conflict instead, because the
 * full scan already covers its stack. When no active task was seen, a single-stack trigger asks for no
 * supersede at all, so a full scan that starts in between is never canceled by it either.
 */
function maySupersede(repo: RepoConfig, input: StartTaskInput, active: Task | null): boolean {
  if (!repo.cancelInflightOnNewTrigger || input.allowSupersede === false) return false;
  if (input.stack === undefined) return true;
  return active !== null && active.stack !== undefined;
}

type Resolved<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly result: StartTaskResult };

/**
 * Starts a task (UI: "scan") for a repo: validates the trigger, pins the branch head, lists the stacks
 * (configured or discovered at the pinned commit) and creates the task with one job per stack in one
 * atomic TaskStore step, which also takes the repo lock.
 *
 * - Unknown repo → `repo_not_found`; unsafe stack path → `invalid_stack`; a single-stack trigger for a
 *   stack neither configured nor discovered → `stack_not_found`.
 * - The repo has an active task this trigger may not supersede → `conflict`, decided before git is
 *   touched (and again atomically by the store). A single-stack trigger never supersedes a full scan.
 * - Fetch or discovery failure → `repo_unavailable` with the redacted message, also recorded as the
 *   repo's error for the UI; a successful fetch clears it.
 * Events are published after the write; a publishing failure is logged, not returned.
 */
export function makeStartTask(deps: StartTaskDeps): StartTask {
  const repoIndex = indexRepos(deps.repos);
  const log = deps.logger.child({ component: 'start-task' });

  async function resolveCommit(repo: RepoConfig): Promise<Resolved<string>> {
    try {
      const commit = await deps.repoSource.resolveCommit(toRepoSpec(repo));
      await setRepoError(repo, null);
      return { ok: true, value: commit };
    } catch (error) {
      return { ok: false, result: await unavailable(repo, error) };
    }
  }

  async function listStacks(repo: RepoConfig, commit: string): Promise<Resolved<readonly StackPath[]>> {
    try {
      return { ok: true, value: await deps.stackCatalog.stacksAt(repo, commit) };
    } catch (error) {
      return { ok: false, result: await unavailable(repo, error) };
    }
  }

  async function unavailable(repo: RepoConfig, error: unknown): Promise<StartTaskResult> {
    // RepoSource errors are DriftdErrors with redacted messages; anything else may carry a URL with
    // credentials, so it is replaced by a generic line.
    const message = isDriftdError(error) ? error.message : `repo ${repo.name} is unavailable`;
    log.warn({ repo: repo.name, err: { message } }, 'repo unavailable');
    await setRepoError(repo, message);
    return { kind: 'repo_unavailable', message };
  }

  async function setRepoError(repo: RepoConfig, message: string | null): Promise<void> {
    try {
      await deps.resultStore.setRepoError(repo.name, message);
    } catch (error) {
      log.warn({ repo: repo.name, err: errorSummary(error) }, 'recording the repo error failed');
    }
  }

  return async function startTask(input) {
    const repo = repoIndex.get(input.repo);
    if (repo === undefined) return { kind: 'repo_not_found' };
    let stack: StackPath | undefined;
    if (input.stack !== undefined) {
      const normalized = normalizeStackPath(input.stack);
      const problem = stackPathProblem(normalized);
      if (problem !== null)
        return { kind: 'invalid_stack', message: `stack path "${input.stack}" ${problem}` };
      stack = normalized as StackPath;
    }
    const active = await deps.taskStore.getActive(repo.name);
    const supersede = maySupersede(repo, input, active);
    if (active !== null && !supersede) return { kind: 'conflict', active };

    const commit = await resolveCommit(repo);
    if (!commit.ok) return commit.result;
    const stacks = await listStacks(repo, commit.value);
    if (!stacks.ok) return stacks.result;
    if (stack !== undefined && !stacks.value.includes(stack)) return { kind: 'stack_not_found', stack };
    return create(repo, input, { commit: commit.value, stacks: stacks.value, stack, supersede });
  };

  async function create(
    repo: RepoConfig,
    input: StartTaskInput,
    plan: { commit: string; stacks: readonly StackPath[]; stack: StackPath | undefined; supersede: boolean },
  ): Promise<StartTaskResult> {
    const timestamp = deps.ids.taskTimestamp();
    const taskId = makeTaskId(repo.name, timestamp);
    const stacks = plan.stack !== undefined ? [plan.stack] : plan.stacks;
    const outcome = await deps.taskStore.start({
      taskId,
      repo: repo.name,
      trigger: input.trigger,
      commit: plan.commit,
      ...(plan.stack !== undefined && { stack: plan.stack }),
      jobs: stacks.map((s) => ({ id: makeJobId(repo.name, s, timestamp), stack: s })),
      maxAttempts: maxAttempts(deps.workerConfig.retryOnce),
      lockTtlMs: deps.lockPolicy.lockTtlMs,
      supersede: plan.supersede,
    });
    if (outcome.kind === 'conflict') return outcome;
    const taskLog = log.child({ taskId, repo: repo.name });
    await publishEvents(deps.eventBus, outcome.events, taskLog);
    if (outcome.superseded) taskLog.info({ superseded: outcome.superseded.id }, 'task superseded');
    taskLog.info(
      {
        trigger: input.trigger.kind,
        commit: plan.commit,
        jobs: outcome.jobs.length,
        status: outcome.task.status,
      },
      'task started',
    );
    return {
      kind: 'started',
      task: outcome.task,
      jobs: outcome.jobs,
      ...(outcome.superseded !== undefined && { superseded: outcome.superseded }),
    };
  }
}

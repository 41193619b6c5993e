import type { HealthReport, RepoSummary, StackDetail, StackSummary } from '../../../src/app/read-models.js';
import type {
  CancelTask,
  CancelTaskResult,
  Queries,
  StartTask,
  StartTaskInput,
  StartTaskResult,
} from '../../../src/app/use-cases/use-cases.js';
import type { DriftResult } from '../../../src/domain/drift-result.js';
import { EMPTY_SUMMARY } from '../../../src/domain/drift-result.js';
import {
  makeJobId,
  makeTaskId,
  normalizeStackPath,
  type RepoName,
  type StackPath,
  stackPathProblem,
} from '../../../src/domain/ids.js';
import { createJob, enqueueJob, type Job } from '../../../src/domain/job.js';
import type { HistoryEntry, StackRun } from '../../../src/domain/stack-run.js';
import { toHistoryEntry } from '../../../src/domain/stack-run.js';
import { cancelTask, createTask, startTask, type Task } from '../../../src/domain/task.js';

/**
 * A hand-written fake of the use cases the HTTP adapter consumes: plain objects over in-memory maps,
 * built with the domain's own transitions so tasks and jobs have real shapes. Not a mock: it keeps
 * state, so a started task can be read back, conflicts, and can be canceled.
 */

interface FakeRepo {
  readonly name: RepoName;
  readonly stacks: StackPath[];
  readonly runs: Map<string, StackRun>;
  readonly plans: Map<string, string>;
  readonly cancelInflight: boolean;
}

export const T0 = 1706712345678;

export function driftedResult(): DriftResult {
  return {
    status: 'drifted',
    kinds: ['drift'],
    summary: { ...EMPTY_SUMMARY, change: 1, drifted: 1 },
    resources: [
      {
        address: 'terraform_data.app',
        actions: ['update'],
        kind: 'drift_reverted',
        changedAttributes: ['input'],
      },
    ],
    outputs: [],
    diagnostics: [],
    formatVersion: '1.2',
    terraformVersion: '1.9.8',
  };
}

export class FakeDriftd {
  readonly repos = new Map<string, FakeRepo>();
  readonly tasks = new Map<string, Task>();
  readonly jobs = new Map<string, Job>();
  readonly active = new Map<string, Task>();
  now = T0;
  healthReport: HealthReport = { status: 'ok', mode: 'embedded', redis: 'not_configured', version: '0.1.0' };

  addRepo(name: string, stacks: string[], options: { cancelInflight?: boolean } = {}): this {
    this.repos.set(name, {
      name: name as RepoName,
      stacks: stacks as StackPath[],
      runs: new Map(),
      plans: new Map(),
      cancelInflight: options.cancelInflight ?? false,
    });
    return this;
  }

  /** Stores a finished run (and optionally its plan text) as the stack's latest result. */
  addRun(repo: string, stack: string, result: DriftResult, plan?: string): StackRun {
    const r = this.repos.get(repo)!;
    const run: StackRun = {
      repo: r.name,
      stack: stack as StackPath,
      taskId: makeTaskId(r.name, T0 - 60_000),
      jobId: makeJobId(r.name, stack as StackPath, T0 - 60_000),
      attempt: 1,
      commit: 'c0ffee',
      trigger: { kind: 'schedule' },
      result,
      tool: { name: 'terraform', version: '1.9.8' },
      startedAt: T0 - 60_000,
      finishedAt: T0 - 55_000,
    };
    r.runs.set(stack, run);
    if (plan !== undefined) r.plans.set(stack, plan);
    return run;
  }

  /** Puts a running task with the given counters in place (for 409 and cancel cases). */
  setActive(task: Task): void {
    this.tasks.set(task.id, task);
    this.active.set(task.repo, task);
  }

  readonly startTask: StartTask = async (input) => this.start(input);

  private start(input: StartTaskInput): StartTaskResult {
    const repo = this.repos.get(input.repo);
    if (repo === undefined) return { kind: 'repo_not_found' };
    let stack: StackPath | undefined;
    if (input.stack !== undefined) {
      const normalized = normalizeStackPath(input.stack);
      const problem = stackPathProblem(normalized);
      if (problem !== null)
        return { kind: 'invalid_stack', message: `stack path "${input.stack}" ${problem}` };
      if (!repo.stacks.includes(normalized as StackPath))
        return { kind: 'stack_not_found', stack: normalized };
      stack = normalized as StackPath;
    }
    const current = this.active.get(repo.name);
    const supersede = current !== undefined && repo.cancelInflight && input.allowSupersede === true;
    if (current !== undefined && !supersede) return { kind: 'conflict', active: current };
    return this.create(repo, input, stack, current);
  }

  private create(repo: FakeRepo, input: StartTaskInput, stack: StackPath | undefined, old?: Task) {
    const ts = this.now++;
    const stacks = stack !== undefined ? [stack] : repo.stacks;
    const id = makeTaskId(repo.name, ts);
    const created = createTask(
      {
        id,
        repo: repo.name,
        trigger: input.trigger,
        commit: 'abc1234',
        total: stacks.length,
        ...(stack && { stack }),
      },
      ts,
    );
    const started = startTask(created, ts);
    if (!started.ok) throw new Error('fake: could not start task');
    const task = started.value.state;
    const jobs = stacks.map((s) => {
      const job = enqueueJob(
        createJob(
          { id: makeJobId(repo.name, s, ts), taskId: id, repo: repo.name, stack: s, maxAttempts: 2 },
          ts,
        ),
        ts,
      );
      if (!job.ok) throw new Error('fake: could not enqueue job');
      this.jobs.set(job.value.state.id, job.value.state);
      return job.value.state as Job;
    });
    let superseded: Task | undefined;
    if (old) {
      const canceled = cancelTask(old, 'superseded', ts, id);
      if (canceled.ok) superseded = canceled.value.state;
      if (superseded) this.tasks.set(old.id, superseded);
    }
    this.tasks.set(id, task);
    this.active.set(repo.name, task);
    return { kind: 'started' as const, task, jobs, ...(superseded && { superseded }) };
  }

  readonly cancelTask: CancelTask = async (taskId, reason) => {
    const task = this.tasks.get(taskId);
    if (task === undefined) return { kind: 'not_found' } satisfies CancelTaskResult;
    const canceled = cancelTask(task, reason ?? 'canceled', this.now);
    if (!canceled.ok) return { kind: 'not_active', task };
    this.tasks.set(taskId, canceled.value.state);
    this.active.delete(task.repo);
    return { kind: 'canceled', task: canceled.value.state };
  };

  private summaryOf(repo: FakeRepo, stack: StackPath): StackSummary {
    const run = repo.runs.get(stack);
    return {
      repo: repo.name,
      stack,
      status: run ? run.result.status : null,
      kinds: run ? run.result.kinds : [],
      summary: run ? run.result.summary : null,
      ...(run?.tool && { tool: run.tool }),
      ...(run?.commit && { commit: run.commit }),
      finishedAt: run ? run.finishedAt : null,
    };
  }

  private repoSummary(repo: FakeRepo): RepoSummary {
    const statuses = repo.stacks.map((s) => repo.runs.get(s)?.result.status);
    const count = (s: string | undefined) => statuses.filter((x) => x === s).length;
    return {
      name: repo.name,
      url: `https://git.example.com/${repo.name}.git`,
      branch: 'main',
      schedule: '0 * * * *',
      stacks: repo.stacks.length,
      counts: {
        in_sync: count('in_sync'),
        drifted: count('drifted'),
        error: count('error'),
        unknown: count(undefined),
      },
      activeTask: this.active.get(repo.name) ?? null,
      lastTask: null,
      lastRunAt: null,
      error: null,
    };
  }

  private stackDetail(repoName: string, stack: string): StackDetail | null {
    const repo = this.repos.get(repoName);
    if (repo === undefined || !repo.stacks.includes(stack as StackPath)) return null;
    const run = repo.runs.get(stack);
    return {
      summary: this.summaryOf(repo, stack as StackPath),
      latest: run ?? null,
      history: run ? [toHistoryEntry(run)] : [],
      hasPlanText: repo.plans.has(stack),
    };
  }

  readonly queries: Queries = {
    getTask: async (id) => this.tasks.get(id) ?? null,
    getJob: async (id) => this.jobs.get(id) ?? null,
    listRepoJobs: async (repo, limit) =>
      this.repos.has(repo) ? [...this.jobs.values()].filter((j) => j.repo === repo).slice(0, limit) : null,
    listRepoTasks: async (repo, limit) =>
      this.repos.has(repo) ? [...this.tasks.values()].filter((t) => t.repo === repo).slice(0, limit) : null,
    listRepos: async () => [...this.repos.values()].map((r) => this.repoSummary(r)),
    overview: async () => {
      const repos = [...this.repos.values()].map((r) => this.repoSummary(r));
      return { repos, totals: { in_sync: 0, drifted: 0, error: 0, unknown: 0 }, driftHistory: [] };
    },
    getRepo: async (name) => {
      const repo = this.repos.get(name);
      if (!repo) return null;
      const stacks = repo.stacks.map((s) => this.summaryOf(repo, s));
      return { repo: this.repoSummary(repo), stacks, recentTasks: [] };
    },
    listStacks: async (name) => {
      const repo = this.repos.get(name);
      return repo ? repo.stacks.map((s) => this.summaryOf(repo, s)) : null;
    },
    getStack: async (repo, stack) => this.stackDetail(repo, stack),
    getLatest: async (repo, stack) => this.repos.get(repo)?.runs.get(stack) ?? null,
    getPlanText: async (repo, stack) => this.repos.get(repo)?.plans.get(stack) ?? null,
    getHistory: async (repo, stack, limit): Promise<HistoryEntry[] | null> => {
      const detail = this.stackDetail(repo, stack);
      return detail ? detail.history.slice(0, limit) : null;
    },
    health: async () => this.healthReport,
  };
}

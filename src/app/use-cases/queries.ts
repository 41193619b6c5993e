import type { JobId, RepoName, StackPath, TaskId } from '../../domain/ids.js';
import { normalizeStackPath, stackPathProblem } from '../../domain/ids.js';
import type { StackRun } from '../../domain/stack-run.js';
import { isActiveTask } from '../../domain/task.js';
import type { ResultStore } from '../../ports/result-store.port.js';
import type { TaskStore } from '../../ports/task-store.port.js';
import type { RepoConfig } from '../config/types.js';
import type { HealthReport, RepoSummary, StackSummary, StatusCounts } from '../read-models.js';
import { indexRepos } from '../repo-spec.js';
import type { StackCatalog } from '../stack-catalog.js';
import type { DriftHistory } from './drift-history.js';
import type { Queries } from './use-cases.js';

export interface QueriesDeps {
  repos: readonly RepoConfig[];
  taskStore: TaskStore;
  resultStore: ResultStore;
  stackCatalog: StackCatalog;
  driftHistory: DriftHistory;
  mode: HealthReport['mode'];
  appVersion: string;
  /** Checks the coordination store (Redis); null when there is none (embedded, in-memory). */
  healthPing: (() => Promise<void>) | null;
}

const RECENT_TASKS = 20;
const STACK_HISTORY = 50;
const PING_TIMEOUT_MS = 1_000;

/** The configured URL without credentials (`https://token@host/...` → `https://host/...`). */
export function publicUrl(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}

function stackSummary(repo: RepoName, stack: StackPath, run: StackRun | undefined | null): StackSummary {
  if (!run) return { repo, stack, status: null, kinds: [], summary: null, finishedAt: null };
  return {
    repo,
    stack,
    status: run.result.status,
    kinds: run.result.kinds,
    summary: run.result.summary,
    ...(run.tool && { tool: run.tool }),
    ...(run.commit !== undefined && { commit: run.commit }),
    finishedAt: run.finishedAt,
    ...(run.result.error !== undefined && { error: run.result.error }),
  };
}

function countStatuses(stacks: readonly StackSummary[]): StatusCounts {
  const counts = { in_sync: 0, drifted: 0, error: 0, unknown: 0 };
  for (const s of stacks) counts[s.status ?? 'unknown'] += 1;
  return counts;
}

/**
 * The read side for the API and UI. Every read goes through the stores' own caches; stack lists come
 * from config or the last discovery (never a git walk per request), so a dashboard of 100 repos × 100
 * stacks stays cheap. Unknown repos/stacks yield null.
 */
export function makeQueries(deps: QueriesDeps): Queries {
  const repoIndex = indexRepos(deps.repos);
  const repoOf = (name: string) => repoIndex.get(name) ?? null;

  /** Known stacks (configured, else last discovered, else those with results) with their latest run. */
  async function stacksOf(repo: RepoConfig): Promise<StackSummary[]> {
    const latest = await deps.resultStore.listLatest(repo.name);
    const known = deps.stackCatalog.known(repo);
    if (known === null) return latest.map((run) => stackSummary(repo.name, run.stack, run));
    const byStack = new Map(latest.map((run) => [run.stack as string, run]));
    return known.map((stack) => stackSummary(repo.name, stack, byStack.get(stack)));
  }

  async function summarize(repo: RepoConfig, stacks: readonly StackSummary[]): Promise<RepoSummary> {
    const [activeTask, recent, error] = await Promise.all([
      deps.taskStore.getActive(repo.name),
      deps.taskStore.listTasks(repo.name, 5),
      deps.resultStore.getRepoError(repo.name),
    ]);
    const finished = stacks.map((s) => s.finishedAt ?? 0);
    const lastRunAt = Math.max(0, ...finished);
    return {
      name: repo.name,
      url: publicUrl(repo.url),
      ...(repo.branch !== undefined && { branch: repo.branch }),
      ...(repo.schedule !== undefined && { schedule: repo.schedule }),
      stacks: stacks.length,
      counts: countStatuses(stacks),
      activeTask,
      lastTask: recent.find((t) => !isActiveTask(t)) ?? null,
      lastRunAt: lastRunAt > 0 ? lastRunAt : null,
      error,
    };
  }

  async function listRepos(): Promise<RepoSummary[]> {
    return Promise.all(deps.repos.map(async (repo) => summarize(repo, await stacksOf(repo))));
  }

  /** The repo and a validated stack path, or null when either is unknown or unsafe. */
  function locate(repoName: string, stack: string): { repo: RepoConfig; stack: StackPath } | null {
    const repo = repoOf(repoName);
    const normalized = normalizeStackPath(stack);
    if (repo === null || stackPathProblem(normalized) !== null) return null;
    return { repo, stack: normalized as StackPath };
  }

  async function health(): Promise<HealthReport> {
    const base = { mode: deps.mode, version: deps.appVersion };
    if (deps.healthPing === null) return { ...base, status: 'ok', redis: 'not_configured' };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('ping timed out')), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([deps.healthPing(), timeout]);
      return { ...base, status: 'ok', redis: 'ok' };
    } catch {
      return { ...base, status: 'degraded', redis: 'unreachable' };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    getTask: (id) => deps.taskStore.get(id as TaskId),
    getJob: (id) => deps.taskStore.getJob(id as JobId),
    async listRepoJobs(repo, limit) {
      const r = repoOf(repo);
      return r === null ? null : deps.taskStore.listRepoJobs(r.name, limit);
    },
    async listRepoTasks(repo, limit) {
      const r = repoOf(repo);
      return r === null ? null : deps.taskStore.listTasks(r.name, limit);
    },
    listRepos,
    async overview() {
      const [repos, driftHistory] = await Promise.all([listRepos(), deps.driftHistory.points()]);
      const totals = { in_sync: 0, drifted: 0, error: 0, unknown: 0 };
      for (const r of repos) {
        for (const key of Object.keys(totals) as (keyof StatusCounts)[]) totals[key] += r.counts[key];
      }
      return { repos, totals, driftHistory };
    },
    async getRepo(name) {
      const repo = repoOf(name);
      if (repo === null) return null;
      const stacks = await stacksOf(repo);
      const [summary, recentTasks] = await Promise.all([
        summarize(repo, stacks),
        deps.taskStore.listTasks(repo.name, RECENT_TASKS),
      ]);
      return { repo: summary, stacks, recentTasks };
    },
    async listStacks(name) {
      const repo = repoOf(name);
      return repo === null ? null : stacksOf(repo);
    },
    async getStack(repoName, stackPath) {
      const at = locate(repoName, stackPath);
      if (at === null) return null;
      const { repo, stack } = at;
      const [latest, history, planText] = await Promise.all([
        deps.resultStore.getLatest(repo.name, stack),
        deps.resultStore.getHistory(repo.name, stack, STACK_HISTORY),
        deps.resultStore.getPlanText(repo.name, stack),
      ]);
      const known = deps.stackCatalog.known(repo)?.includes(stack) ?? false;
      if (!known && latest === null && history.length === 0) return null;
      return {
        summary: stackSummary(repo.name, stack, latest),
        latest,
        history,
        hasPlanText: planText !== null,
      };
    },
    getLatest: (repo, stack) => deps.resultStore.getLatest(repo, stack),
    async getPlanText(repo, stack) {
      const at = locate(repo, stack);
      return at === null ? null : deps.resultStore.getPlanText(at.repo.name, at.stack);
    },
    async getHistory(repo, stack, limit) {
      const at = locate(repo, stack);
      return at === null ? null : deps.resultStore.getHistory(at.repo.name, at.stack, limit);
    },
    health,
  };
}

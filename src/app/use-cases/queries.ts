import type { JobId, RepoName, StackPath, TaskId } from '../../domain/ids.js';
import { normalizeStackPath, stackPathProblem } from '../../domain/ids.js';
import { SECOND } from '../../domain/lock-policy.js';
import { isActiveTask, type Task } from '../../domain/task.js';
import type { Clock } from '../../ports/clock.port.js';
import type { EventBus } from '../../ports/event-bus.port.js';
import type { ResultStore } from '../../ports/result-store.port.js';
import type { TaskStore } from '../../ports/task-store.port.js';
import type { RepoConfig } from '../config/types.js';
import type { HealthReport, RepoSummary, StatusCounts } from '../read-models.js';
import { indexRepos } from '../repo-spec.js';
import type { StackCatalog } from '../stack-catalog.js';
import type { DriftHistory } from './drift-history.js';
import { type RepoStacks, type StackSummaries, stackSummary } from './stack-summaries.js';
import type { Queries } from './use-cases.js';

export interface QueriesDeps {
  repos: readonly RepoConfig[];
  taskStore: TaskStore;
  resultStore: ResultStore;
  stackCatalog: StackCatalog;
  stackSummaries: StackSummaries;
  driftHistory: DriftHistory;
  mode: HealthReport['mode'];
  appVersion: string;
  /** Checks the coordination store (Redis); null when there is none (embedded, in-memory). */
  healthPing: (() => Promise<void>) | null;
  /** Any event of a repo drops its cached last task. */
  eventBus: EventBus;
  clock: Clock;
}

const RECENT_TASKS = 20;
const STACK_HISTORY = 50;
const PING_TIMEOUT_MS = 1_000;
/** A purge removes tasks without an event: a cached last task is re-read after this long regardless. */
const LAST_TASK_MAX_AGE_MS = 30 * SECOND;

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

/**
 * The read side for the API and UI. Every read goes through the stores' own caches; stack lists come
 * from config or the last discovery (never a git walk per request), so a dashboard of 100 repos × 100
 * stacks stays cheap. Unknown repos/stacks yield null.
 */
export function makeQueries(deps: QueriesDeps): Queries {
  // Resolved once: every property read on an injection proxy is a container lookup, too slow for a
  // dashboard that reads 100 repos per render.
  const {
    repos,
    taskStore,
    resultStore,
    stackCatalog,
    stackSummaries,
    driftHistory,
    mode,
    appVersion,
    healthPing,
    eventBus,
    clock,
  } = deps;
  const repoIndex = indexRepos(repos);
  const repoOf = (name: string) => repoIndex.get(name) ?? null;
  // The public URL is config, fixed for the process: parsing it per repo per request was the hot spot of
  // GET /api/repos (a WHATWG URL parse plus two setters, 100 times per call).
  const publicUrls = new Map<RepoConfig, string>();
  const publicUrlOf = (repo: RepoConfig): string => {
    let url = publicUrls.get(repo);
    if (url === undefined) {
      url = publicUrl(repo.url);
      publicUrls.set(repo, url);
    }
    return url;
  };

  // The last settled task changes only when a task of the repo ends, which publishes an event (after the
  // store write): cached per repo and dropped by any event of the repo, so a list reads only the active
  // task live (one store call per repo instead of two, and no 5-task list to copy).
  const lastTasks = new Map<string, { value: Promise<Task | null>; at: number }>();
  eventBus.subscribe(({ event }) => {
    lastTasks.delete(event.repo);
  });

  function lastTaskOf(repo: RepoName): Promise<Task | null> {
    const now = clock.now();
    const hit = lastTasks.get(repo);
    if (hit && now - hit.at < LAST_TASK_MAX_AGE_MS) return hit.value;
    const value = taskStore.listTasks(repo, 5).then((recent) => recent.find((t) => !isActiveTask(t)) ?? null);
    const entry = { value, at: now };
    lastTasks.set(repo, entry);
    value.catch(() => {
      if (lastTasks.get(repo) === entry) lastTasks.delete(repo);
    });
    return value;
  }

  async function summarize(repo: RepoConfig, stacks: RepoStacks): Promise<RepoSummary> {
    const [activeTask, lastTask, error] = await Promise.all([
      taskStore.getActive(repo.name),
      lastTaskOf(repo.name),
      resultStore.getRepoError(repo.name),
    ]);
    const out: { -readonly [K in keyof RepoSummary]: RepoSummary[K] } = {
      name: repo.name,
      url: publicUrlOf(repo),
      stacks: stacks.stacks.length,
      counts: stacks.counts,
      activeTask,
      lastTask,
      lastRunAt: stacks.lastRunAt,
      error,
    };
    if (repo.branch !== undefined) out.branch = repo.branch;
    if (repo.schedule !== undefined) out.schedule = repo.schedule;
    return out;
  }

  async function listRepos(): Promise<RepoSummary[]> {
    return Promise.all(repos.map(async (repo) => summarize(repo, await stackSummaries.forRepo(repo))));
  }

  /** The repo and a validated stack path, or null when either is unknown or unsafe. */
  function locate(repoName: string, stack: string): { repo: RepoConfig; stack: StackPath } | null {
    const repo = repoOf(repoName);
    const normalized = normalizeStackPath(stack);
    if (repo === null || stackPathProblem(normalized) !== null) return null;
    return { repo, stack: normalized as StackPath };
  }

  async function health(): Promise<HealthReport> {
    const base = { mode: mode, version: appVersion };
    if (healthPing === null) return { ...base, status: 'ok', redis: 'not_configured' };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('ping timed out')), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([healthPing(), timeout]);
      return { ...base, status: 'ok', redis: 'ok' };
    } catch {
      return { ...base, status: 'degraded', redis: 'unreachable' };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    getTask: (id) => taskStore.get(id as TaskId),
    getJob: (id) => taskStore.getJob(id as JobId),
    async listRepoJobs(repo, limit) {
      const r = repoOf(repo);
      return r === null ? null : taskStore.listRepoJobs(r.name, limit);
    },
    async listRepoTasks(repo, limit) {
      const r = repoOf(repo);
      return r === null ? null : taskStore.listTasks(r.name, limit);
    },
    listRepos,
    async overview() {
      const [summaries, points] = await Promise.all([listRepos(), driftHistory.points()]);
      const totals = { in_sync: 0, drifted: 0, error: 0, unknown: 0 };
      for (const r of summaries) {
        for (const key of Object.keys(totals) as (keyof StatusCounts)[]) totals[key] += r.counts[key];
      }
      return { repos: summaries, totals, driftHistory: points };
    },
    async getRepo(name) {
      const repo = repoOf(name);
      if (repo === null) return null;
      const stacks = await stackSummaries.forRepo(repo);
      const [summary, recentTasks] = await Promise.all([
        summarize(repo, stacks),
        taskStore.listTasks(repo.name, RECENT_TASKS),
      ]);
      return { repo: summary, stacks: stacks.stacks, recentTasks };
    },
    async listStacks(name) {
      const repo = repoOf(name);
      return repo === null ? null : [...(await stackSummaries.forRepo(repo)).stacks];
    },
    async getStack(repoName, stackPath) {
      const at = locate(repoName, stackPath);
      if (at === null) return null;
      const { repo, stack } = at;
      const [latest, history, planText] = await Promise.all([
        resultStore.getLatest(repo.name, stack),
        resultStore.getHistory(repo.name, stack, STACK_HISTORY),
        resultStore.getPlanText(repo.name, stack),
      ]);
      const known = stackCatalog.known(repo)?.includes(stack) ?? false;
      if (!known && latest === null && history.length === 0) return null;
      return {
        summary: stackSummary(repo.name, stack, latest),
        latest,
        history,
        hasPlanText: planText !== null,
      };
    },
    getLatest: (repo, stack) => resultStore.getLatest(repo, stack),
    async getPlanText(repo, stack) {
      const at = locate(repo, stack);
      return at === null ? null : resultStore.getPlanText(at.repo.name, at.stack);
    },
    async getHistory(repo, stack, limit) {
      const at = locate(repo, stack);
      return at === null ? null : resultStore.getHistory(at.repo.name, at.stack, limit);
    },
    health,
  };
}

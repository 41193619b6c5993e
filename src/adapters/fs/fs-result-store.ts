import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DriftdError, isDriftdError } from '../../domain/errors.js';
import { isValidRepoName, type RepoName, type StackPath } from '../../domain/ids.js';
import { type HistoryEntry, replacesLatest, type StackRun, toHistoryEntry } from '../../domain/stack-run.js';
import type { Clock } from '../../ports/clock.port.js';
import type { ResultStore } from '../../ports/result-store.port.js';
import { listDir, readJsonOrNull, readTextOrNull, TEMP_PREFIX, writeFileAtomic } from './atomic-file.js';
import { loadLatestRuns, mapLimit } from './fs-latest-loader.js';
import { assertSafeRepo, historyFileName, isHistoryFileName, ResultLayout } from './fs-paths.js';

export interface FsResultStoreOptions {
  /** The configured `data_dir`. */
  readonly dataDir: string;
  /** Stamps repo errors. */
  readonly clock: Clock;
  /** History entries kept per stack (default 500); older ones are pruned on write. */
  readonly historyCap?: number;
}

export const DEFAULT_HISTORY_CAP = 500;

interface RepoError {
  readonly message: string;
  readonly at: number;
}

/** The latest runs of one repo, as held in memory; `sorted` is rebuilt lazily after a write. */
interface RepoCache {
  readonly byStack: Map<StackPath, StackRun>;
  sorted: readonly StackRun[] | null;
}

/**
 * Results in `data_dir`:
 * ```
 * <data_dir>/repos/<repo>/error.json
 * <data_dir>/repos/<repo>/stacks/<encoded stack>/latest.json | plan.txt | history/<finishedAt>-<attempt>-<hash>.json
 * ```
 * Every file is written atomically (temp + rename). Repo names and stack paths are validated before
 * any path is built (`DRIFTD_UNSAFE_PATH`).
 *
 * **Single writer.** Each repo's latest runs are cached in memory (loaded on first use, updated on
 * `record`), so listing a repo with thousands of stacks is a memory read. That cache is only right when
 * this instance is the one process writing `data_dir`: `serve` or embedded mode. Separate workers never
 * write here; they record through the Redis outbox that `serve` drains into this store.
 */
export class FsResultStore implements ResultStore {
  private readonly layout: ResultLayout;
  private readonly clock: Clock;
  private readonly historyCap: number;
  private readonly cache = new Map<RepoName, Promise<RepoCache>>();
  /** Repo errors, read once per repo and kept current by `setRepoError` (same single-writer rule). */
  private readonly repoErrors = new Map<RepoName, Promise<RepoError | null>>();
  /** Per stack directory: the tail of its write chain, so records of one stack never interleave. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(options: FsResultStoreOptions) {
    this.layout = new ResultLayout(options.dataDir);
    this.clock = options.clock;
    this.historyCap = Math.max(1, options.historyCap ?? DEFAULT_HISTORY_CAP);
  }

  async record(run: StackRun, planText: string): Promise<void> {
    const dir = this.layout.stackDir(run.repo, run.stack);
    try {
      await this.serialize(dir, () => this.write(run, planText, dir));
    } catch (error) {
      if (isDriftdError(error)) throw error;
      throw new DriftdError(
        'DRIFTD_ADAPTER_UNAVAILABLE',
        `cannot store the result of ${run.repo}/${run.stack}`,
        {
          details: { repo: run.repo, stack: run.stack },
          cause: error,
        },
      );
    }
  }

  /** Latest and plan first, the history entry last: it marks the run as recorded (idempotency). */
  private async write(run: StackRun, planText: string, dir: string): Promise<void> {
    const historyDir = join(dir, 'history');
    const entryFile = join(historyDir, historyFileName(run.finishedAt, run.attempt, run.jobId));
    if ((await readTextOrNull(entryFile)) !== null) return;
    const cache = await this.repoCache(run.repo);
    const current = cache.byStack.get(run.stack);
    // A run that finished before the stored latest (a late outbox delivery) never replaces it.
    if (replacesLatest(run) && (current === undefined || run.finishedAt >= current.finishedAt)) {
      const json = JSON.stringify(run);
      await writeFileAtomic(join(dir, 'plan.txt'), planText);
      await writeFileAtomic(join(dir, 'latest.json'), json);
      cache.byStack.set(run.stack, Object.freeze(JSON.parse(json) as StackRun));
      cache.sorted = null;
    }
    await writeFileAtomic(entryFile, JSON.stringify(toHistoryEntry(run)));
    await this.pruneHistory(historyDir);
  }

  private async pruneHistory(historyDir: string): Promise<void> {
    const names = (await readdir(historyDir)).filter(isHistoryFileName);
    if (names.length <= this.historyCap) return;
    names.sort();
    const doomed = names.slice(0, names.length - this.historyCap);
    await mapLimit(doomed, 32, (name) => rm(join(historyDir, name), { force: true }));
  }

  async getLatest(repo: RepoName, stack: StackPath): Promise<StackRun | null> {
    this.layout.stackDir(repo, stack);
    return (await this.repoCache(repo)).byStack.get(stack) ?? null;
  }

  async getPlanText(repo: RepoName, stack: StackPath): Promise<string | null> {
    return readTextOrNull(join(this.layout.stackDir(repo, stack), 'plan.txt'));
  }

  async getHistory(repo: RepoName, stack: StackPath, limit: number): Promise<HistoryEntry[]> {
    const historyDir = join(this.layout.stackDir(repo, stack), 'history');
    const names = (await listDir(historyDir)).filter(isHistoryFileName).sort().reverse();
    const picked = names.slice(0, Math.max(0, limit));
    const entries = await mapLimit(picked, 32, (n) => readJsonOrNull<HistoryEntry>(join(historyDir, n)));
    return entries.filter((e): e is HistoryEntry => e !== null);
  }

  async listLatest(repo: RepoName): Promise<StackRun[]> {
    assertSafeRepo(repo);
    const cache = await this.repoCache(repo);
    if (cache.sorted === null) {
      cache.sorted = [...cache.byStack.values()].sort((a, b) =>
        a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : 0,
      );
    }
    return [...cache.sorted];
  }

  async listRepos(): Promise<RepoName[]> {
    const names = (await listDir(this.layout.reposDir())).filter(isValidRepoName);
    const withRuns = await mapLimit(names, 32, async (name) => {
      const stacks = await listDir(this.layout.stacksDir(name));
      return stacks.some((s) => !s.startsWith(TEMP_PREFIX)) ? name : null;
    });
    return withRuns.filter((n): n is RepoName => n !== null).sort();
  }

  async setRepoError(repo: RepoName, message: string | null): Promise<void> {
    const file = this.layout.repoErrorFile(repo);
    const value = message === null ? null : { message, at: this.clock.now() };
    try {
      if (value === null) await rm(file, { force: true });
      else await writeFileAtomic(file, JSON.stringify(value));
      this.repoErrors.set(repo, Promise.resolve(value));
    } catch (e) {
      this.repoErrors.delete(repo);
      throw e;
    }
  }

  /** Served from memory after the first read: the dashboard asks for every repo on every render. */
  getRepoError(repo: RepoName): Promise<RepoError | null> {
    let cached = this.repoErrors.get(repo);
    if (!cached) {
      cached = this.readRepoError(repo);
      this.repoErrors.set(repo, cached);
      cached.catch(() => this.repoErrors.delete(repo));
    }
    return cached;
  }

  private async readRepoError(repo: RepoName): Promise<RepoError | null> {
    const stored = await readJsonOrNull<{ message?: unknown; at?: unknown }>(this.layout.repoErrorFile(repo));
    if (typeof stored?.message !== 'string' || typeof stored.at !== 'number') return null;
    return { message: stored.message, at: stored.at };
  }

  private repoCache(repo: RepoName): Promise<RepoCache> {
    let loading = this.cache.get(repo);
    if (!loading) {
      loading = loadLatestRuns(this.layout, repo).then((byStack) => ({ byStack, sorted: null }));
      this.cache.set(repo, loading);
      // A failed load (e.g. EACCES) is retried by the next caller instead of being cached.
      loading.catch(() => this.cache.delete(repo));
    }
    return loading;
  }

  private serialize(key: string, fn: () => Promise<void>): Promise<void> {
    const run = (this.writes.get(key) ?? Promise.resolve()).then(fn);
    const tail = run.catch(() => {});
    this.writes.set(key, tail);
    void tail.then(() => {
      if (this.writes.get(key) === tail) this.writes.delete(key);
    });
    return run;
  }
}

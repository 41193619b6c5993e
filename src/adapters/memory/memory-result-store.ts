import { DriftdError } from '../../domain/errors.js';
import { isValidRepoName, type RepoName, type StackPath, stackPathProblem } from '../../domain/ids.js';
import { type HistoryEntry, replacesLatest, type StackRun, toHistoryEntry } from '../../domain/stack-run.js';
import type { Clock } from '../../ports/clock.port.js';
import type { ResultStore } from '../../ports/result-store.port.js';

/** History entries kept per stack; older ones are dropped on write (same cap as the fs store). */
export const MEMORY_HISTORY_CAP = 500;

interface StackRecord {
  latest: StackRun | null;
  planText: string | null;
  /** Newest first. */
  history: { readonly key: string; readonly entry: HistoryEntry; readonly attempt: number }[];
}

/**
 * Results held in process memory: for tests and for embedders that want no `data_dir`. Same rules as
 * the fs store: names validated, canceled/timed-out runs only in history, a run older than the stored
 * latest never replaces it, idempotent per job id + attempt.
 */
export class MemoryResultStore implements ResultStore {
  private readonly repos = new Map<RepoName, Map<StackPath, StackRecord>>();
  private readonly errors = new Map<RepoName, { readonly message: string; readonly at: number }>();

  constructor(private readonly clock: Clock) {}

  async record(run: StackRun, planText: string): Promise<void> {
    const rec = this.stackRecord(run.repo, run.stack, true)!;
    const key = `${run.jobId}\n${run.attempt}`;
    if (rec.history.some((h) => h.key === key)) return;
    if (replacesLatest(run) && (rec.latest === null || run.finishedAt >= rec.latest.finishedAt)) {
      rec.latest = Object.freeze({ ...run });
      rec.planText = planText;
    }
    const item = { key, entry: Object.freeze(toHistoryEntry(run)), attempt: run.attempt };
    const at = rec.history.findIndex(
      (h) =>
        h.entry.finishedAt < run.finishedAt ||
        (h.entry.finishedAt === run.finishedAt && h.attempt < run.attempt),
    );
    rec.history.splice(at === -1 ? rec.history.length : at, 0, item);
    if (rec.history.length > MEMORY_HISTORY_CAP) rec.history.length = MEMORY_HISTORY_CAP;
  }

  async getLatest(repo: RepoName, stack: StackPath): Promise<StackRun | null> {
    return this.stackRecord(repo, stack, false)?.latest ?? null;
  }

  async getPlanText(repo: RepoName, stack: StackPath): Promise<string | null> {
    return this.stackRecord(repo, stack, false)?.planText ?? null;
  }

  async getHistory(repo: RepoName, stack: StackPath, limit: number): Promise<HistoryEntry[]> {
    const rec = this.stackRecord(repo, stack, false);
    return rec ? rec.history.slice(0, Math.max(0, limit)).map((h) => h.entry) : [];
  }

  async listLatest(repo: RepoName): Promise<StackRun[]> {
    assertRepo(repo);
    const stacks = this.repos.get(repo);
    if (!stacks) return [];
    return [...stacks.entries()]
      .filter(([, rec]) => rec.latest !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, rec]) => rec.latest!);
  }

  async listRepos(): Promise<RepoName[]> {
    return [...this.repos.keys()].sort();
  }

  async setRepoError(repo: RepoName, message: string | null): Promise<void> {
    assertRepo(repo);
    if (message === null) this.errors.delete(repo);
    else this.errors.set(repo, Object.freeze({ message, at: this.clock.now() }));
  }

  async getRepoError(repo: RepoName): Promise<{ readonly message: string; readonly at: number } | null> {
    assertRepo(repo);
    return this.errors.get(repo) ?? null;
  }

  private stackRecord(repo: RepoName, stack: StackPath, create: boolean): StackRecord | null {
    assertRepo(repo);
    const problem = stackPathProblem(stack);
    if (problem !== null) {
      throw new DriftdError('DRIFTD_UNSAFE_PATH', `stack path ${JSON.stringify(stack)} ${problem}`);
    }
    let stacks = this.repos.get(repo);
    if (!stacks && !create) return null;
    if (!stacks) {
      stacks = new Map();
      this.repos.set(repo, stacks);
    }
    let rec = stacks.get(stack);
    if (!rec && create) {
      rec = { latest: null, planText: null, history: [] };
      stacks.set(stack, rec);
    }
    return rec ?? null;
  }
}

function assertRepo(repo: string): void {
  if (!isValidRepoName(repo)) {
    throw new DriftdError('DRIFTD_UNSAFE_PATH', `repo name ${JSON.stringify(repo)} is not a valid repo name`);
  }
}

import type { StackPath } from '../../domain/ids.js';
import { DAY, SECOND } from '../../domain/lock-policy.js';
import type { HistoryEntry } from '../../domain/stack-run.js';
import type { Clock } from '../../ports/clock.port.js';
import type { EventBus } from '../../ports/event-bus.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { ResultStore } from '../../ports/result-store.port.js';
import type { RepoConfig } from '../config/types.js';
import { errorSummary } from '../publish.js';
import type { DriftPoint } from '../read-models.js';
import type { StackCatalog } from '../stack-catalog.js';

export interface DriftHistoryOptions {
  /** Bucket width, default one day. */
  readonly bucketMs?: number;
  /** How far back the series goes, default 30 days. */
  readonly windowMs?: number;
  /** After a job settled, the series is rebuilt at most this often (default 10 s). */
  readonly minRefreshMs?: number;
  /** Rebuilt at least this often even without events (other processes, default 5 min). */
  readonly maxAgeMs?: number;
}

export interface DriftHistory {
  /** The series, oldest first: the cached one, refreshed in the background when stale. */
  points(): Promise<readonly DriftPoint[]>;
  /** Stops listening to events. */
  close(): void;
}

export interface DriftHistoryDeps {
  repos: readonly RepoConfig[];
  resultStore: ResultStore;
  stackCatalog: StackCatalog;
  eventBus: EventBus;
  clock: Clock;
  logger: Logger;
}

/** History entries read per stack: 30 days of a 6-hourly schedule plus manual triggers fit easily. */
const HISTORY_PER_STACK = 400;

/** Mirrors `replacesLatest`: canceled, timed-out and lost runs say nothing about the infrastructure. */
function changesStatus(entry: HistoryEntry): boolean {
  return (
    entry.failure === undefined || entry.failure === 'terraform_error' || entry.failure === 'config_error'
  );
}

/**
 * Adds 1 to every bucket whose end the stack spent drifted. `entries` are newest first; a stack's status
 * at a time is the verdict of its last status-changing run before it.
 */
function addStack(counts: number[], entries: readonly HistoryEntry[], ends: readonly number[]): void {
  const ascending = entries.filter(changesStatus).reverse();
  let i = 0;
  let drifted = false;
  ends.forEach((end, b) => {
    while (i < ascending.length && ascending[i]!.finishedAt < end) {
      drifted = ascending[i]!.status === 'drifted';
      i++;
    }
    if (drifted) counts[b]! += 1;
  });
}

/**
 * "Drifted stacks over time" for the dashboard, rebuilt from stack histories. Rebuilding reads every
 * stack's history, so it is cached: marked stale by `job.completed`/`job.failed` events and rebuilt in the
 * background at most every `minRefreshMs` (and at least every `maxAgeMs`); readers get the cached series.
 */
export function makeDriftHistory(deps: DriftHistoryDeps, options: DriftHistoryOptions = {}): DriftHistory {
  const { repos, resultStore, stackCatalog, clock } = deps;
  const bucketMs = options.bucketMs ?? DAY;
  const windowMs = options.windowMs ?? 30 * DAY;
  const minRefreshMs = options.minRefreshMs ?? 10 * SECOND;
  const maxAgeMs = options.maxAgeMs ?? 300 * SECOND;
  let cached: { points: readonly DriftPoint[]; at: number } | null = null;
  let building: Promise<readonly DriftPoint[]> | null = null;
  let dirty = false;
  const markDirty = () => {
    dirty = true;
  };
  const unsubscribe = [
    deps.eventBus.on('job.completed', markDirty),
    deps.eventBus.on('job.failed', markDirty),
  ];

  async function stacksOf(repo: RepoConfig): Promise<StackPath[]> {
    const stored = (await resultStore.listLatest(repo.name)).map((r) => r.stack);
    return [...new Set([...(stackCatalog.known(repo) ?? []), ...stored])];
  }

  async function build(): Promise<readonly DriftPoint[]> {
    const now = clock.now();
    dirty = false;
    const n = Math.max(1, Math.ceil(windowMs / bucketMs));
    const first = Math.floor(now / bucketMs) * bucketMs - (n - 1) * bucketMs;
    const starts = Array.from({ length: n }, (_, b) => first + b * bucketMs);
    const ends = starts.map((s) => Math.min(s + bucketMs, now + 1));
    const counts = starts.map(() => 0);
    for (const repo of repos) {
      const stacks = await stacksOf(repo);
      const histories = await Promise.all(
        stacks.map((s) => resultStore.getHistory(repo.name, s, HISTORY_PER_STACK)),
      );
      for (const entries of histories) addStack(counts, entries, ends);
    }
    const points = starts.map((at, b) => ({ at, drifted: counts[b]! }));
    cached = { points, at: now };
    return points;
  }

  function rebuild(): Promise<readonly DriftPoint[]> {
    building ??= build().finally(() => {
      building = null;
    });
    return building;
  }

  return {
    async points() {
      if (cached === null) return rebuild();
      const age = clock.now() - cached.at;
      if ((dirty && age >= minRefreshMs) || age >= maxAgeMs) {
        rebuild().catch((error) =>
          deps.logger.warn({ err: errorSummary(error) }, 'drift history rebuild failed'),
        );
      }
      return cached.points;
    },
    close() {
      for (const off of unsubscribe) off();
    },
  };
}

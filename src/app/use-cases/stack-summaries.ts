import type { DomainEvent } from '../../domain/events.js';
import type { RepoName, StackPath } from '../../domain/ids.js';
import { SECOND } from '../../domain/lock-policy.js';
import type { StackRun } from '../../domain/stack-run.js';
import type { Clock } from '../../ports/clock.port.js';
import type { EventBus } from '../../ports/event-bus.port.js';
import type { ResultStore } from '../../ports/result-store.port.js';
import type { RepoConfig } from '../config/types.js';
import type { StackSummary, StatusCounts } from '../read-models.js';
import type { StackCatalog } from '../stack-catalog.js';

/** A repo's stacks with their latest verdicts, as the dashboard shows them. */
export interface RepoStacks {
  readonly stacks: readonly StackSummary[];
  readonly counts: StatusCounts;
  /** When the newest stored result finished, or null. */
  readonly lastRunAt: number | null;
}

export interface StackSummaries {
  /** Known stacks (configured, else last discovered, else those with results) with their latest run. */
  forRepo(repo: RepoConfig): Promise<RepoStacks>;
  /** Stops listening to events. */
  close(): void;
}

export interface StackSummariesDeps {
  resultStore: ResultStore;
  stackCatalog: StackCatalog;
  eventBus: EventBus;
  clock: Clock;
}

/** Even without events (a result recorded by a worker whose report was then rejected), entries expire. */
const MAX_AGE_MS = 30 * SECOND;

export function stackSummary(
  repo: RepoName,
  stack: StackPath,
  run: StackRun | undefined | null,
): StackSummary {
  if (!run) return { repo, stack, status: null, kinds: [], summary: null, finishedAt: null };
  // Plain assignments, not conditional spreads: this runs for every stack of every repo.
  const { result } = run;
  const out: { -readonly [K in keyof StackSummary]: StackSummary[K] } = {
    repo,
    stack,
    status: result.status,
    kinds: result.kinds,
    summary: result.summary,
    finishedAt: run.finishedAt,
  };
  if (run.tool) out.tool = run.tool;
  if (run.commit !== undefined) out.commit = run.commit;
  if (result.error !== undefined) out.error = result.error;
  return out;
}

function summarize(stacks: readonly StackSummary[]): RepoStacks {
  const counts = { in_sync: 0, drifted: 0, error: 0, unknown: 0 };
  let lastRunAt = 0;
  for (const s of stacks) {
    counts[s.status ?? 'unknown'] += 1;
    if (s.finishedAt !== null && s.finishedAt > lastRunAt) lastRunAt = s.finishedAt;
  }
  return { stacks, counts, lastRunAt: lastRunAt > 0 ? lastRunAt : null };
}

/**
 * Per-repo stack summaries, cached: building them reads every stack's latest result, which a dashboard of
 * 100 repos × 100 stacks cannot afford per render. An entry is dropped by any event of its repo (jobs
 * settle and tasks start after results are recorded and stacks discovered; with Redis the events come from
 * every process) and expires after a few seconds regardless.
 */
export function makeStackSummaries({
  resultStore,
  stackCatalog,
  eventBus,
  clock,
}: StackSummariesDeps): StackSummaries {
  const cache = new Map<string, { value: Promise<RepoStacks>; at: number }>();
  const unsubscribe = eventBus.subscribe(({ event }: { event: DomainEvent }) => {
    cache.delete(event.repo);
  });

  async function build(repo: RepoConfig): Promise<RepoStacks> {
    const latest = await resultStore.listLatest(repo.name);
    const known = stackCatalog.known(repo);
    if (known === null) return summarize(latest.map((run) => stackSummary(repo.name, run.stack, run)));
    const byStack = new Map<string, StackRun>();
    for (const run of latest) byStack.set(run.stack, run);
    return summarize(known.map((stack) => stackSummary(repo.name, stack, byStack.get(stack))));
  }

  return {
    forRepo(repo) {
      const now = clock.now();
      const hit = cache.get(repo.name);
      if (hit && now - hit.at < MAX_AGE_MS) return hit.value;
      const value = build(repo);
      const entry = { value, at: now };
      cache.set(repo.name, entry);
      value.catch(() => {
        if (cache.get(repo.name) === entry) cache.delete(repo.name);
      });
      return value;
    },
    close: unsubscribe,
  };
}

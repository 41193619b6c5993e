import { join } from 'node:path';
import type { RepoName, StackPath } from '../../domain/ids.js';
import { stackPathProblem } from '../../domain/ids.js';
import type { StackRun } from '../../domain/stack-run.js';
import { listDir, readJsonOrNull, TEMP_PREFIX } from './atomic-file.js';
import { encodeStackPath, type ResultLayout } from './fs-paths.js';

/** Like `Promise.all(items.map(fn))` with at most `limit` calls in flight (no EMFILE on big repos). */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/**
 * Reads every stack's `latest.json` of a repo. A file is trusted only when its repo and stack match the
 * directory it sits in (a copied or damaged file is skipped, never shown under the wrong stack).
 */
export async function loadLatestRuns(
  layout: ResultLayout,
  repo: RepoName,
): Promise<Map<StackPath, StackRun>> {
  const stacksDir = layout.stacksDir(repo);
  const dirs = (await listDir(stacksDir)).filter((d) => !d.startsWith(TEMP_PREFIX));
  const runs = await mapLimit(dirs, 64, async (dir) => {
    const run = await readJsonOrNull<StackRun>(join(stacksDir, dir, 'latest.json'));
    if (run === null || run.repo !== repo || typeof run.stack !== 'string') return null;
    if (stackPathProblem(run.stack) !== null || encodeStackPath(run.stack) !== dir) return null;
    return Object.freeze(run);
  });
  const byStack = new Map<StackPath, StackRun>();
  for (const run of runs) if (run) byStack.set(run.stack, run);
  return byStack;
}

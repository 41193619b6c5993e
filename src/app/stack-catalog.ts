import type { StackPath } from '../domain/ids.js';
import type { RepoSource } from '../ports/repo-source.port.js';
import type { RepoConfig } from './config/types.js';
import { toRepoSpec } from './repo-spec.js';

/**
 * Which stacks a repo has: the configured list, or what discovery found at a commit. Discovery walks a
 * checkout, so it is memoised per repo and commit (only the newest commit per repo is kept), and read
 * models use the last result instead of touching git per request.
 */
export interface StackCatalog {
  /** Configured stacks, or the stacks discovered at `commit` (concurrent callers share one discovery). */
  stacksAt(repo: RepoConfig, commit: string): Promise<readonly StackPath[]>;
  /** Without touching git: the configured stacks, else the last discovered ones, else null (not known yet). */
  known(repo: RepoConfig): readonly StackPath[] | null;
}

interface Entry {
  readonly commit: string;
  readonly stacks: Promise<readonly StackPath[]>;
}

export function makeStackCatalog({ repoSource }: { repoSource: RepoSource }): StackCatalog {
  const byRepo = new Map<string, Entry>();
  const lastKnown = new Map<string, readonly StackPath[]>();
  return {
    stacksAt(repo, commit) {
      if (repo.stacks !== undefined) return Promise.resolve(repo.stacks);
      const cached = byRepo.get(repo.name);
      if (cached?.commit === commit) return cached.stacks;
      const entry: Entry = { commit, stacks: repoSource.discoverStacks(toRepoSpec(repo), commit) };
      byRepo.set(repo.name, entry);
      entry.stacks.then(
        (stacks) => {
          if (byRepo.get(repo.name) === entry) lastKnown.set(repo.name, stacks);
        },
        // A failed discovery is not memoised: the next trigger tries again.
        () => {
          if (byRepo.get(repo.name) === entry) byRepo.delete(repo.name);
        },
      );
      return entry.stacks;
    },
    known(repo) {
      if (repo.stacks !== undefined) return repo.stacks;
      return lastKnown.get(repo.name) ?? null;
    },
  };
}

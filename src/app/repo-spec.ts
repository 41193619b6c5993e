import type { RepoName } from '../domain/ids.js';
import type { RepoSpec } from '../ports/repo-source.port.js';
import type { RepoConfig } from './config/types.js';

/** What the RepoSource needs of a configured repo. */
export function toRepoSpec(repo: RepoConfig): RepoSpec {
  return {
    name: repo.name,
    url: repo.url,
    ...(repo.branch !== undefined && { branch: repo.branch }),
    auth: repo.git,
    ignorePaths: repo.ignorePaths,
  };
}

/** Configured repos by name: built once, so lookups stay O(1) with hundreds of repos. */
export function indexRepos(repos: readonly RepoConfig[]): ReadonlyMap<string, RepoConfig> {
  return new Map(repos.map((r) => [r.name as string, r]));
}

export function findRepo(index: ReadonlyMap<string, RepoConfig>, name: string | RepoName): RepoConfig | null {
  return index.get(name) ?? null;
}

import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DriftdError } from '../../domain/errors.js';
import { type GitContext, runGit } from './git-exec.js';

const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
// Refuses what git's check-ref-format refuses, plus a leading "-" (option injection).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse.
const BAD_BRANCH = /^-|\.\.|@\{|[\s~^:?*[\\\u0000-\u001f\u007f]|\/\/|^\/|\/$|\.lock$|\.$|^@$/;

/** Throws DRIFTD_REPO_NOT_FOUND unless `commit` is a full hex object id. */
export function assertCommitId(commit: string, repoName: string): void {
  if (!FULL_SHA.test(commit)) {
    throw new DriftdError(
      'DRIFTD_REPO_NOT_FOUND',
      `repo "${repoName}": "${commit.slice(0, 80)}" is not a commit id`,
      {
        details: { repo: repoName },
      },
    );
  }
}

export function assertBranchName(branch: string, repoName: string): void {
  if (branch === '' || BAD_BRANCH.test(branch)) {
    throw new DriftdError(
      'DRIFTD_CONFIG_INVALID',
      `repo "${repoName}": "${branch}" is not a valid branch name`,
      {
        details: { repo: repoName },
      },
    );
  }
}

/**
 * One bare mirror (`<cacheDir>/mirrors/<repo>.git`). Fetching always names the URL and refspecs
 * explicitly, so a changed `url` in the config needs no remote reconfiguration and no credentials
 * are ever written to the mirror's config. Callers serialise fetches (see GitRepoSource).
 */
export class Mirror {
  constructor(
    readonly dir: string,
    private readonly timeoutMs: number,
  ) {}

  async exists(): Promise<boolean> {
    return stat(join(this.dir, 'objects')).then(
      () => true,
      () => false,
    );
  }

  async fetch(remote: { url: string; ctx: GitContext }, refspecs?: readonly string[]): Promise<void> {
    if (!(await this.exists())) {
      await mkdir(this.dir, { recursive: true });
      // Re-running init on a half-made mirror (crash) is safe: git reinitialises in place.
      await runGit(remote.ctx, ['init', '--bare', '--quiet', '--template=', '--', this.dir], {
        operation: 'init',
      });
    }
    const specs = refspecs ?? ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];
    await runGit(remote.ctx, ['fetch', '--prune', '--no-tags', '--quiet', '--', remote.url, ...specs], {
      gitDir: this.dir,
      operation: 'fetch',
      timeoutMs: this.timeoutMs,
    });
  }

  async hasCommit(ctx: GitContext, commit: string): Promise<boolean> {
    if (!(await this.exists())) return false;
    return runGit(ctx, ['cat-file', '-e', `${commit}^{commit}`], {
      gitDir: this.dir,
      operation: 'cat-file',
    }).then(
      () => true,
      () => false,
    );
  }

  /** The commit `refs/heads/<branch>` points to, or null when the mirror has no such branch. */
  async branchHead(ctx: GitContext, branch: string): Promise<string | null> {
    const out = await runGit(ctx, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], {
      gitDir: this.dir,
      operation: 'rev-parse',
    }).catch(() => null);
    return out?.trim() || null;
  }

  /** The remote's default branch, from `git ls-remote --symref <url> HEAD`. */
  async remoteDefaultBranch(remote: { url: string; ctx: GitContext }): Promise<string | null> {
    const out = await runGit(remote.ctx, ['ls-remote', '--symref', '--', remote.url, 'HEAD'], {
      operation: 'ls-remote',
      timeoutMs: this.timeoutMs,
    });
    const match = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(out);
    return match ? match[1]! : null;
  }

  /** Repo-relative paths of the regular files and symlinks at `commit` (no submodules). */
  async listFiles(ctx: GitContext, commit: string): Promise<string[]> {
    const out = await runGit(ctx, ['ls-tree', '-r', '-z', '--full-tree', commit], {
      gitDir: this.dir,
      operation: 'ls-tree',
    });
    return out
      .split('\0')
      .filter((entry) => / blob [0-9a-f]+\t/.test(entry))
      .map((entry) => entry.slice(entry.indexOf('\t') + 1));
  }

  async readFile(ctx: GitContext, commit: string, path: string): Promise<string | null> {
    return runGit(ctx, ['cat-file', 'blob', `${commit}:${path}`], {
      gitDir: this.dir,
      operation: 'cat-file',
    }).catch(() => null);
  }

  /**
   * Writes the tree of `commit` into `dest` through a private index file, so concurrent extractions
   * never touch the mirror's own index and leave no state (no worktree) behind.
   */
  async extract(ctx: GitContext, commit: string, dest: string): Promise<void> {
    const index = `${dest}.index`;
    const extraEnv = { GIT_INDEX_FILE: index };
    try {
      await runGit(ctx, ['read-tree', commit], { gitDir: this.dir, operation: 'checkout', extraEnv });
      await runGit(ctx, ['checkout-index', '--all', '--force'], {
        gitDir: this.dir,
        workTree: dest,
        operation: 'checkout',
        extraEnv,
      });
    } finally {
      await rm(index, { force: true });
    }
  }
}

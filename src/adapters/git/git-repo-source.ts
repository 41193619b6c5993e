import { readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DriftdError } from '../../domain/errors.js';
import { isValidRepoName, type StackPath, type TaskId } from '../../domain/ids.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { Checkout, RepoSource, RepoSpec } from '../../ports/repo-source.port.js';
import { FetchGate } from './fetch-gate.js';
import { GitContextFactory, type RemoteContext } from './git-context.js';
import { runGit } from './git-exec.js';
import { type FetchFn, GithubAppTokens } from './github-app-token.js';
import { copyLocalDir, fingerprintFiles, isGitRepository, listLocalFiles } from './local-dir.js';
import { assertBranchName, assertCommitId, Mirror } from './mirror.js';
import { checkRepoUrl, locateRepo } from './repo-url.js';
import { discoverStackPaths } from './stack-discovery.js';
import { makeCheckout, makeWorkDir } from './work-dir.js';

export interface GitRepoSourceOptions {
  /** Holds `mirrors/`, `work/`, `locks/` and the askpass helper. Not shared disk: per worker is fine. */
  readonly cacheDir: string;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Where token env vars are read and the base env of git children. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `fetch` used for the GitHub App token exchange. Default the global one. */
  readonly githubFetch?: FetchFn;
  /** Timeout of one network git command (default 10 minutes). */
  readonly fetchTimeoutMs?: number;
  /** A fetch lock not refreshed for this long is stale (default 60 s; the holder refreshes it). */
  readonly lockStaleMs?: number;
}

/** Where a repo's code is: a plain directory (copied), or a git remote (mirrored). */
type Located = { kind: 'dir'; path: string } | { kind: 'git'; url: string };

const NOOP_LOGGER: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => NOOP_LOGGER,
};

/**
 * RepoSource over the git CLI (execa, argument arrays only). Each repo gets a bare mirror under
 * `<cacheDir>/mirrors`; fetches into it are serialised per repo within the process (a promise chain)
 * and across processes sharing the cache (a lock file), and happen at most once per task. Each job
 * gets its own work dir under `<cacheDir>/work`, removed by `Checkout.dispose`.
 */
export class GitRepoSource implements RepoSource {
  private readonly cacheDir: string;
  private readonly logger: Logger;
  private readonly contexts: GitContextFactory;
  private readonly tokens: GithubAppTokens;
  private readonly fetchTimeoutMs: number;
  private readonly gate: FetchGate;
  private fetches = 0;

  constructor(opts: GitRepoSourceOptions) {
    this.cacheDir = resolve(opts.cacheDir);
    this.logger = opts.logger ?? NOOP_LOGGER;
    const clock = opts.clock ?? { now: () => Date.now() };
    this.tokens = new GithubAppTokens({ clock, fetch: opts.githubFetch ?? ((...a) => fetch(...a)) });
    this.contexts = new GitContextFactory({
      cacheDir: this.cacheDir,
      env: opts.env ?? process.env,
      tokens: this.tokens,
    });
    this.fetchTimeoutMs = opts.fetchTimeoutMs ?? 10 * 60_000;
    this.gate = new FetchGate({
      cacheDir: this.cacheDir,
      staleMs: opts.lockStaleMs ?? 60_000,
      timeoutMs: this.fetchTimeoutMs + 60_000,
    });
  }

  /** Fetches run and GitHub App token exchanges made by this instance (tests and metrics). */
  get stats(): { fetches: number; tokenExchanges: number } {
    return { fetches: this.fetches, tokenExchanges: this.tokens.exchanges };
  }

  async resolveCommit(repo: RepoSpec): Promise<string> {
    const loc = await this.locate(repo);
    if (loc.kind === 'dir') return fingerprintFiles(await listLocalFiles(loc.path, [this.cacheDir]));
    const mirror = this.mirror(repo);
    const remote = await this.remote(repo, loc);
    await this.fetchSerialized(repo, remote);
    const branch = repo.branch ?? (await this.dropTokenOnFailure(repo, mirror.remoteDefaultBranch(remote)));
    if (branch === null) {
      throw notFound(repo, `the remote has no default branch; set branch`);
    }
    assertBranchName(branch, repo.name);
    const head = await mirror.branchHead(this.contexts.local(repo.name), branch);
    if (head === null) {
      throw notFound(repo, `branch "${branch}" does not exist`, { branch });
    }
    return head;
  }

  async discoverStacks(repo: RepoSpec, commit: string): Promise<StackPath[]> {
    const loc = await this.locate(repo);
    if (loc.kind === 'dir') {
      const files = await listLocalFiles(loc.path, [this.cacheDir]);
      return discoverStackPaths(
        files.map((f) => f.path),
        {
          ignorePaths: repo.ignorePaths,
          readFile: (p) => readFile(join(loc.path, p), 'utf8').catch(() => null),
        },
      );
    }
    assertCommitId(commit, repo.name);
    await this.ensureCommit(repo, loc, commit, `discover:${commit}`);
    const mirror = this.mirror(repo);
    const ctx = this.contexts.local(repo.name);
    return discoverStackPaths(await mirror.listFiles(ctx, commit), {
      ignorePaths: repo.ignorePaths,
      readFile: (p) => mirror.readFile(ctx, commit, p),
    });
  }

  async checkout(repo: RepoSpec, commit: string, taskId: TaskId, jobKey: string): Promise<Checkout> {
    const loc = await this.locate(repo);
    if (loc.kind === 'git') {
      assertCommitId(commit, repo.name);
      await this.ensureCommit(repo, loc, commit, taskId);
    }
    const dir = await makeWorkDir(this.cacheDir, jobKey);
    try {
      let actual = commit;
      if (loc.kind === 'dir') {
        actual = fingerprintFiles(await listLocalFiles(loc.path, [this.cacheDir]));
        if (actual !== commit)
          this.logger.warn({ repo: repo.name }, 'local directory changed since the task started');
        await copyLocalDir(loc.path, dir, [this.cacheDir]);
      } else {
        await this.mirror(repo).extract(this.contexts.local(repo.name), commit, dir);
      }
      // An empty repo at the root lets terragrunt's get_repo_root() and similar lookups work.
      await runGit(this.contexts.local(repo.name), ['init', '--quiet', '--template=', '--', dir], {
        operation: 'init',
      });
      return makeCheckout(dir, actual, this.logger);
    } catch (e) {
      await rm(dir, { recursive: true, force: true }).catch(() => {});
      throw e;
    }
  }

  /** Validates the URL and tells a plain directory from a git repository. */
  private async locate(repo: RepoSpec): Promise<Located> {
    const name: string = repo.name;
    if (!isValidRepoName(name)) {
      throw new DriftdError('DRIFTD_CONFIG_INVALID', `"${name.slice(0, 100)}" is not a valid repo name`);
    }
    const problem = checkRepoUrl(repo.url);
    if (problem) {
      throw new DriftdError('DRIFTD_CONFIG_INVALID', `repo "${repo.name}": url ${problem}`, {
        details: { repo: repo.name },
      });
    }
    const loc = locateRepo(repo.url);
    if (loc.kind === 'remote') {
      if (loc.insecure)
        this.logger.warn({ repo: repo.name }, 'repo url uses plain http: traffic is not encrypted');
      return { kind: 'git', url: loc.url };
    }
    const st = await stat(loc.path).catch(() => null);
    if (!st?.isDirectory()) {
      throw notFound(repo, `local path ${loc.path} is not a directory`);
    }
    return (await isGitRepository(loc.path))
      ? { kind: 'git', url: loc.path }
      : { kind: 'dir', path: loc.path };
  }

  private mirror(repo: RepoSpec): Mirror {
    return new Mirror(join(this.cacheDir, 'mirrors', `${repo.name}.git`), this.fetchTimeoutMs);
  }

  private remote(repo: RepoSpec, loc: { url: string }): Promise<RemoteContext> {
    return this.contexts.forRemote(repo, loc.url);
  }

  /**
   * Makes `commit` present in the mirror, fetching at most once per (repo, task): concurrent jobs of a
   * task share one fetch, and a commit already there (another task fetched it) needs none.
   */
  private async ensureCommit(
    repo: RepoSpec,
    loc: { url: string },
    commit: string,
    taskKey: string,
  ): Promise<void> {
    const mirror = this.mirror(repo);
    const local = this.contexts.local(repo.name);
    if (await mirror.hasCommit(local, commit)) return;
    const key = `${repo.name}\0${taskKey}`;
    await this.gate.once(key, async () => {
      const remote = await this.remote(repo, loc);
      await this.fetchSerialized(repo, remote, () => mirror.hasCommit(local, commit));
    });
    if (await mirror.hasCommit(local, commit)) return;
    // Not on any branch any more (force-push): ask for the object itself, which most servers allow.
    const remote = await this.remote(repo, loc);
    await this.fetchSerialized(repo, remote, () => mirror.hasCommit(local, commit), [commit]).catch(() => {});
    if (!(await mirror.hasCommit(local, commit))) {
      throw notFound(repo, `commit ${commit} does not exist in the remote`, { commit });
    }
  }

  /**
   * One fetch at a time per repo (see FetchGate). `skipIf` runs under the lock, so a waiter whose
   * commit the previous fetch brought in fetches nothing.
   */
  private fetchSerialized(
    repo: RepoSpec,
    remote: RemoteContext,
    skipIf?: () => Promise<boolean>,
    refspecs?: readonly string[],
  ): Promise<void> {
    return this.gate.exclusive(repo.name, async () => {
      if (skipIf && (await skipIf())) return;
      this.fetches += 1;
      this.logger.debug({ repo: repo.name }, 'fetching repo mirror');
      await this.dropTokenOnFailure(repo, this.mirror(repo).fetch(remote, refspecs));
    });
  }

  /** A GitHub App token git was refused with is not reused: the next attempt exchanges a new one. */
  private async dropTokenOnFailure<T>(repo: RepoSpec, work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (e) {
      if (repo.auth.type === 'github_app') this.tokens.invalidate(repo.auth);
      throw e;
    }
  }
}

function notFound(repo: RepoSpec, what: string, details: Record<string, unknown> = {}): DriftdError {
  return new DriftdError('DRIFTD_REPO_NOT_FOUND', `repo "${repo.name}": ${what}`, {
    details: { repo: repo.name, ...details },
  });
}

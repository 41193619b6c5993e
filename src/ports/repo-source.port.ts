import type { RepoName, StackPath, TaskId } from '../domain/ids.js';

/** How to authenticate to a repo. Secrets are referenced (env var names, file paths), never inlined. */
export type GitAuth =
  | { readonly type: 'none' }
  | { readonly type: 'ssh'; readonly sshKeyPath: string; readonly knownHostsPath?: string }
  | { readonly type: 'https'; readonly tokenEnv: string; readonly username: string }
  | {
      readonly type: 'github_app';
      readonly appId: number;
      readonly installationId: number;
      readonly privateKeyPath: string;
      /** API base for GitHub Enterprise, default `https://api.github.com`. */
      readonly apiUrl: string;
    };

export interface RepoSpec {
  readonly name: RepoName;
  /** Remote URL, local path or `file://` URL; a local directory need not be a git repository. */
  readonly url: string;
  /** Branch to scan; the remote's default branch when unset. */
  readonly branch?: string;
  readonly auth: GitAuth;
  /** Globs (relative to the repo root) of directories that stack discovery skips. */
  readonly ignorePaths: readonly string[];
}

/** A checkout of one commit in a work dir that belongs to one job. */
export interface Checkout {
  /** Absolute path of the repo root in the work dir. */
  readonly root: string;
  readonly commit: string;
  /** Removes the work dir. Idempotent, never throws. */
  dispose(): Promise<void>;
}

export type RepoSourceErrorKind =
  /** Network, auth or remote failure: worth another try. */
  | 'fetch_error'
  /** The branch, commit or path does not exist. */
  | 'not_found';

/**
 * Where stack code comes from (git via execa, or a plain local directory).
 *
 * Errors: throws `DriftdError` with code `DRIFTD_REPO_FETCH_FAILED` (retryable) or `DRIFTD_REPO_NOT_FOUND`,
 * whose message is redacted (no credentials) and names the repo; `DRIFTD_CONFIG_INVALID` when the repo's
 * url or auth settings are refused (e.g. an `ext::` URL, an unsafe ssh key path), before anything runs. Credentials never reach logs, errors,
 * process arguments or results.
 */
export interface RepoSource {
  /**
   * Fetches the repo (into this process's cached mirror) and returns the commit the branch head points to
   * now: the commit a new task pins. For a non-git local directory, returns a content fingerprint.
   */
  resolveCommit(repo: RepoSpec): Promise<string>;
  /**
   * The stacks at `commit`: directories with `*.tf` files or a unit `terragrunt.hcl` (not parent configs
   * or module folders), minus `ignorePaths`, sorted. The root is `.`.
   */
  discoverStacks(repo: RepoSpec, commit: string): Promise<StackPath[]>;
  /**
   * Checks out `commit` into a fresh per-job work dir. Fetches at most once per `taskId` per process and
   * cache dir (concurrent callers for one repo share one fetch, across processes too).
   */
  checkout(repo: RepoSpec, commit: string, taskId: TaskId, jobKey: string): Promise<Checkout>;
}

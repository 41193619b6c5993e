import { execa } from 'execa';
import { DriftdError } from '../../domain/errors.js';
import { summarizeGitStderr } from './redact-git.js';

/** Everything needed to run git for one repo: the child env (with credentials) and the `-c` flags. */
export interface GitContext {
  readonly repoName: string;
  readonly env: Readonly<Record<string, string>>;
  /** `-c key=value` pairs placed before the subcommand. */
  readonly configArgs: readonly string[];
  /** Literal values to mask in any message built from git's output. */
  readonly secrets: readonly string[];
}

export interface GitRunOptions {
  readonly gitDir?: string;
  readonly workTree?: string;
  /** What failed, for the message: `fetch`, `checkout`, ... */
  readonly operation: string;
  readonly timeoutMs?: number;
  /** Extra env for this command only (e.g. GIT_INDEX_FILE). */
  readonly extraEnv?: Readonly<Record<string, string>>;
}

// Inherited variables that would point git at another repository or index than the one we name.
const LOCATION_VARS = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_COUNT',
  'GIT_ASKPASS',
  'SSH_ASKPASS',
];

/**
 * The base env of every git child: the given env minus repo-location variables, no prompts, and only
 * the transports driftd allows (`ext::`/`fd::` helpers can run commands).
 */
export function baseGitEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && !LOCATION_VARS.includes(k) && !k.startsWith('DRIFTD_GIT_')) out[k] = v;
  }
  out.GIT_TERMINAL_PROMPT = '0';
  out.GIT_ALLOW_PROTOCOL = 'file:https:http:ssh';
  out.GCM_INTERACTIVE = 'never';
  return out;
}

/** Flags every git call gets, before the subcommand. */
export const SAFE_CONFIG_ARGS: readonly string[] = [
  '-c',
  'protocol.ext.allow=never',
  '-c',
  'protocol.fd.allow=never',
  '-c',
  'core.hooksPath=/dev/null',
];

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** Which failures mean "the repo, branch or commit does not exist" rather than a retryable fetch error. */
const NOT_FOUND_STDERR =
  /repository '.*' not found|does not appear to be a git repository|not a git repository|couldn't find remote ref|no such ref|unknown revision|bad revision|not a valid object name|invalid object name|does not exist/i;

/**
 * Runs `git <args>` with an argument array (never a shell) and returns stdout. Failures become a
 * `DriftdError` naming the repo with git's stderr redacted: `DRIFTD_REPO_NOT_FOUND` when git says the
 * repo/ref/object does not exist, else `DRIFTD_REPO_FETCH_FAILED`. No `cause` is attached: the raw
 * error carries unredacted output.
 */
export async function runGit(ctx: GitContext, args: readonly string[], opts: GitRunOptions): Promise<string> {
  const prefix = [...SAFE_CONFIG_ARGS, ...ctx.configArgs];
  if (opts.gitDir) prefix.push(`--git-dir=${opts.gitDir}`);
  if (opts.workTree) prefix.push(`--work-tree=${opts.workTree}`);
  const result = await execa('git', [...prefix, ...args], {
    env: { ...ctx.env, ...opts.extraEnv },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.exitCode === 0 && !result.failed) return result.stdout;
  const spawnCode = (result as { code?: string }).code;
  const detail = result.timedOut
    ? `timed out after ${Math.round((opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s`
    : result.exitCode === undefined
      ? `could not run git (${spawnCode ?? 'spawn error'})`
      : summarizeGitStderr(String(result.stderr ?? ''), ctx.secrets);
  const code = NOT_FOUND_STDERR.test(String(result.stderr ?? ''))
    ? 'DRIFTD_REPO_NOT_FOUND'
    : 'DRIFTD_REPO_FETCH_FAILED';
  throw new DriftdError(code, `git ${opts.operation} failed for repo "${ctx.repoName}": ${detail}`, {
    details: { repo: ctx.repoName, operation: opts.operation },
  });
}

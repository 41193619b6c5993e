/**
 * Branded identifiers and the id formats of the spec:
 *   task `my-infra:1706712345678`, job `my-infra:envs/prod:1706712345678`.
 * A job id carries its task's timestamp, so job ids are unique per task (a stack appears once per task)
 * and task ids are unique per repo as long as the caller passes a strictly increasing timestamp
 * (see `nextTimestamp`).
 */
declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type RepoName = Brand<string, 'RepoName'>;
export type StackPath = Brand<string, 'StackPath'>;
export type TaskId = Brand<string, 'TaskId'>;
export type JobId = Brand<string, 'JobId'>;
export type LeaseToken = Brand<string, 'LeaseToken'>;

/** The repo root as a stack. */
export const ROOT_STACK = '.' as StackPath;

const REPO_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function isValidRepoName(name: string): name is RepoName {
  return REPO_NAME.test(name);
}

/**
 * Why a stack path is unsafe, or null when it is fine. Stack paths are relative, slash-separated,
 * with no empty, `.` or `..` segment (except the root stack `.` itself), no NUL, no backslash.
 */
export function stackPathProblem(path: string): string | null {
  if (path === ROOT_STACK) return null;
  if (path.length === 0) return 'is empty';
  if (path.length > 1024) return 'is longer than 1024 characters';
  if (path.includes('\0')) return 'contains a NUL byte';
  if (path.includes('\\')) return 'contains a backslash';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'is absolute';
  const segments = path.split('/');
  if (segments.some((s) => s === '..')) return 'contains a ".." segment';
  if (segments.some((s) => s === '' || s === '.')) return 'contains an empty or "." segment';
  return null;
}

/** Normalises `./envs/prod/` to `envs/prod` and `''`/`./` to the root stack; validate afterwards. */
export function normalizeStackPath(path: string): string {
  let p = path.trim();
  while (p.startsWith('./')) p = p.slice(2);
  while (p.endsWith('/') && p.length > 1) p = p.slice(0, -1);
  return p === '' || p === '.' ? ROOT_STACK : p;
}

export function makeTaskId(repo: RepoName, timestamp: number): TaskId {
  return `${repo}:${timestamp}` as TaskId;
}

export function makeJobId(repo: RepoName, stack: StackPath, timestamp: number): JobId {
  return `${repo}:${stack}:${timestamp}` as JobId;
}

/** Splits a task id into its repo and timestamp, or null when it is not one. */
export function parseTaskId(id: string): { repo: RepoName; timestamp: number } | null {
  const m = /^([^:]+):(\d{1,16})$/.exec(id);
  if (!m || !isValidRepoName(m[1]!)) return null;
  return { repo: m[1] as RepoName, timestamp: Number(m[2]) };
}

/** Splits a job id into repo, stack and timestamp, or null when it is not one. */
export function parseJobId(id: string): { repo: RepoName; stack: StackPath; timestamp: number } | null {
  const first = id.indexOf(':');
  const last = id.lastIndexOf(':');
  if (first <= 0 || last <= first + 1) return null;
  const repo = id.slice(0, first);
  const stack = id.slice(first + 1, last);
  const ts = id.slice(last + 1);
  if (!isValidRepoName(repo) || !/^\d{1,16}$/.test(ts) || stackPathProblem(stack) !== null) return null;
  return { repo: repo as RepoName, stack: stack as StackPath, timestamp: Number(ts) };
}

/** The task id a job belongs to. */
export function taskIdOfJob(jobId: JobId): TaskId | null {
  const p = parseJobId(jobId);
  return p ? makeTaskId(p.repo, p.timestamp) : null;
}

/**
 * A strictly increasing millisecond timestamp: `now` unless that is not after `last`,
 * so two ids made in the same millisecond still differ.
 */
export function nextTimestamp(now: number, last: number): number {
  return now > last ? now : last + 1;
}

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DriftdError } from '../../domain/errors.js';
import { isValidRepoName, type RepoName, type StackPath, stackPathProblem } from '../../domain/ids.js';

/** Longest encoded stack directory name kept verbatim; longer ones are shortened with a hash. */
const MAX_ENCODED_LENGTH = 180;
const SAFE_BYTE = /^[A-Za-z0-9_-]$/;

/**
 * Encodes a stack path as one directory name: every UTF-8 byte outside `[A-Za-z0-9_-]` (so `/`, `.`
 * and `%` too) becomes `%XX` (upper-case hex). Injective, never `.`/`..`, never hidden; the root stack
 * `.` is `%2E`. Names that would pass the 255-byte filename limit are cut and suffixed with `~` + a
 * SHA-256 of the path; `~` never appears in an unshortened name, so shortened and plain names cannot
 * collide. Letters keep their case, so stacks differing only in case need a case-sensitive filesystem.
 */
export function encodeStackPath(stack: StackPath): string {
  let out = '';
  for (const byte of Buffer.from(stack, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += SAFE_BYTE.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out.length <= MAX_ENCODED_LENGTH) return out;
  return `${out.slice(0, 100)}~${createHash('sha256').update(stack).digest('hex')}`;
}

export function assertSafeRepo(repo: string): asserts repo is RepoName {
  if (!isValidRepoName(repo)) {
    throw new DriftdError('DRIFTD_UNSAFE_PATH', `repo name ${JSON.stringify(repo)} is not a valid repo name`);
  }
}

export function assertSafeStack(stack: string): asserts stack is StackPath {
  const problem = stackPathProblem(stack);
  if (problem !== null) {
    throw new DriftdError('DRIFTD_UNSAFE_PATH', `stack path ${JSON.stringify(stack)} ${problem}`);
  }
}

/** Where things live under `data_dir`; every name is validated before a path is built. */
export class ResultLayout {
  constructor(readonly dataDir: string) {}

  reposDir(): string {
    return join(this.dataDir, 'repos');
  }

  repoDir(repo: RepoName): string {
    assertSafeRepo(repo);
    return join(this.reposDir(), repo);
  }

  stacksDir(repo: RepoName): string {
    return join(this.repoDir(repo), 'stacks');
  }

  stackDir(repo: RepoName, stack: StackPath): string {
    assertSafeStack(stack);
    return join(this.stacksDir(repo), encodeStackPath(stack));
  }

  repoErrorFile(repo: RepoName): string {
    return join(this.repoDir(repo), 'error.json');
  }
}

/**
 * `<15-digit finishedAt>-<3-digit attempt>-<8 hex of sha256(jobId)>.json`: sorting names sorts runs by
 * finish time then attempt; one name per job id + attempt makes `record` idempotent.
 */
export function historyFileName(finishedAt: number, attempt: number, jobId: string): string {
  const ts = String(Math.max(0, Math.floor(finishedAt))).padStart(15, '0');
  const at = String(Math.max(0, Math.floor(attempt))).padStart(3, '0');
  return `${ts}-${at}-${createHash('sha256').update(jobId).digest('hex').slice(0, 8)}.json`;
}

export function isHistoryFileName(name: string): boolean {
  return /^\d{15}-\d{3,}-[0-9a-f]{8}\.json$/.test(name);
}

import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Git env for the fixtures: fixed identity, no user/system config. */
const FIXTURE_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'driftd test',
  GIT_AUTHOR_EMAIL: 'test@driftd.invalid',
  GIT_COMMITTER_NAME: 'driftd test',
  GIT_COMMITTER_EMAIL: 'test@driftd.invalid',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: FIXTURE_ENV, encoding: 'utf8' }).trim();
}

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `driftd-${prefix}-`));
}

export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

/** Commits `files` on the current branch of the working repo `dir` and returns the new commit. */
export async function commit(
  dir: string,
  files: Record<string, string>,
  message = 'change',
): Promise<string> {
  await writeFiles(dir, files);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

/**
 * A working repo with one commit on `branch`; the "remote" the tests fetch from (over its path or a
 * file:// URL).
 */
export async function makeRepo(
  files: Record<string, string>,
  branch = 'main',
): Promise<{ dir: string; head: string }> {
  const dir = await tempDir('origin');
  git(dir, 'init', '-q', '-b', branch);
  return { dir, head: await commit(dir, files, 'initial') };
}

/** A bare copy of `workDir` under `root/<name>.git`, kept in sync by `pushTo`. */
export function makeBare(root: string, name: string, workDir: string): string {
  const bare = join(root, `${name}.git`);
  git(root, 'clone', '-q', '--bare', '--', workDir, bare);
  return bare;
}

export function pushTo(workDir: string, bare: string, branch = 'main'): void {
  git(workDir, 'push', '-q', '--force', '--', bare, `HEAD:refs/heads/${branch}`);
}

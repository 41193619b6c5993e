import { createHash } from 'node:crypto';
import { copyFile, lstat, mkdir, readdir, readlink, stat, symlink } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';

/** Directories never copied, fingerprinted or searched: tool caches and VCS metadata. */
const SKIPPED_DIRS = new Set(['.git', '.terraform', '.terragrunt-cache']);

export interface LocalFile {
  /** Slash-separated path relative to the root. */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** True when `dir` is a git repository: a working copy (`.git`) or a bare repo (`HEAD` + `objects/`). */
export async function isGitRepository(dir: string): Promise<boolean> {
  const exists = async (p: string): Promise<boolean> =>
    stat(p).then(
      () => true,
      () => false,
    );
  if (await exists(join(dir, '.git'))) return true;
  return (
    (await exists(join(dir, 'HEAD'))) &&
    (await exists(join(dir, 'objects'))) &&
    (await exists(join(dir, 'refs')))
  );
}

/**
 * Every file under `root` (symlinks listed, not followed), skipping `.git`, `.terraform`,
 * `.terragrunt-cache` and `exclude` (the driftd cache when it lives inside the directory). Sorted.
 */
export async function listLocalFiles(root: string, exclude: readonly string[] = []): Promise<LocalFile[]> {
  const excluded = new Set(exclude.map((p) => resolve(p)));
  const out: LocalFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const abs = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name) && !excluded.has(abs)) await walk(abs);
        continue;
      }
      const st = await lstat(abs);
      out.push({ path: relative(root, abs).split(sep).join('/'), size: st.size, mtimeMs: st.mtimeMs });
    }
  };
  await walk(root);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The "commit" of a non-git directory: `local-` + sha256 over each file's path, size and mtime.
 * Cheap (no file contents read) and changes whenever a file is added, removed or rewritten.
 */
export function fingerprintFiles(files: readonly LocalFile[]): string {
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f.path}\0${f.size}\0${Math.trunc(f.mtimeMs)}\n`);
  return `local-${hash.digest('hex')}`;
}

/**
 * Copies `src` into the existing empty dir `dest` without the skipped dirs and `exclude`; `src` is only
 * read. A hand-written walk rather than `fs.cp`, which refuses a destination inside the source (the
 * cache dir may live inside a local repo dir).
 */
export async function copyLocalDir(
  src: string,
  dest: string,
  exclude: readonly string[] = [],
): Promise<void> {
  const excluded = new Set(exclude.map((p) => resolve(p)));
  const walk = async (from: string, to: string): Promise<void> => {
    for (const entry of await readdir(from, { withFileTypes: true })) {
      const source = join(from, entry.name);
      const target = join(to, entry.name);
      if (entry.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name) || excluded.has(source)) continue;
        await mkdir(target);
        await walk(source, target);
      } else if (entry.isSymbolicLink()) {
        await symlink(await readlink(source), target);
      } else if (entry.isFile()) {
        await copyFile(source, target);
      }
    }
  };
  await walk(resolve(src), dest);
}

import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Temp files start with this, so listings can skip them (and a crash leaves recognisable debris). */
export const TEMP_PREFIX = '.tmp-';

/**
 * Writes `data` to `file` atomically: a temp file in the same directory, then rename over the target,
 * so readers see the old or the new content, never a torn file. No fsync: a power loss may lose the
 * last write, never corrupt an older one.
 */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `${TEMP_PREFIX}${basename(file)}-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(temp, data, { encoding: 'utf8', mode: 0o640 });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The file's text, or null when it does not exist. */
export async function readTextOrNull(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** The file parsed as JSON, or null when it does not exist or is not valid JSON (a damaged file). */
export async function readJsonOrNull<T>(file: string): Promise<T | null> {
  const text = await readTextOrNull(file);
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/** Directory entries, or none when the directory does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

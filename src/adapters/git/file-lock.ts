import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DriftdError } from '../../domain/errors.js';

export interface FileLockOptions {
  /** A lock whose file was not refreshed for this long is taken over (its holder died). */
  readonly staleMs?: number;
  /** Give up waiting after this long. */
  readonly timeoutMs?: number;
  readonly pollMs?: number;
}

interface Owner {
  readonly token: string;
  readonly pid: number;
  readonly host: string;
}

/**
 * Runs `fn` while holding an exclusive lock file (created with `O_EXCL`), so processes sharing a cache
 * dir never fetch into the same mirror at once. The holder touches the file every `staleMs/3`; a lock
 * not touched for `staleMs`, or held by a dead pid on this host, is stale and taken over.
 */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  opts: FileLockOptions = {},
): Promise<T> {
  const staleMs = opts.staleMs ?? 60_000;
  const owner: Owner = { token: randomBytes(12).toString('hex'), pid: process.pid, host: hostname() };
  await acquire(path, owner, staleMs, opts.timeoutMs ?? 15 * 60_000, opts.pollMs ?? 50);
  const now = (): Date => new Date();
  const heartbeat = setInterval(
    () => void utimes(path, now(), now()).catch(() => {}),
    Math.max(staleMs / 3, 10),
  );
  heartbeat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    await releaseIfOwner(path, owner);
  }
}

async function acquire(path: string, owner: Owner, staleMs: number, timeoutMs: number, pollMs: number) {
  await mkdir(dirname(path), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await tryCreate(path, owner)) return;
    await breakIfStale(path, staleMs);
    if (Date.now() > deadline) {
      throw new DriftdError('DRIFTD_REPO_FETCH_FAILED', `timed out waiting for the lock ${path}`);
    }
    await sleep(pollMs);
  }
}

async function tryCreate(path: string, owner: Owner): Promise<boolean> {
  try {
    const fh = await open(path, 'wx', 0o600);
    try {
      await fh.writeFile(JSON.stringify(owner));
    } finally {
      await fh.close();
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

async function readOwner(path: string): Promise<Owner | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Owner;
  } catch {
    return null;
  }
}

function isDeadLocalPid(owner: Owner | null): boolean {
  if (!owner || owner.host !== hostname() || owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Takes over a stale lock without racing another process doing the same: the stale file is renamed
 * aside (atomic, only one renamer wins); if what was renamed turns out to be a fresh lock, it is put
 * back with `link`, which fails rather than overwrite a lock created meanwhile.
 */
async function breakIfStale(path: string, staleMs: number): Promise<void> {
  let mtime: number;
  try {
    mtime = (await stat(path)).mtimeMs;
  } catch {
    return;
  }
  // An unreadable owner may be a lock being written right now: then only age makes it stale.
  const owner = await readOwner(path);
  if (Date.now() - mtime <= staleMs && !isDeadLocalPid(owner)) return;
  const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch {
    return;
  }
  const moved = await readOwner(aside);
  if (owner !== null && moved?.token !== owner.token) await link(aside, path).catch(() => {});
  await unlink(aside).catch(() => {});
}

async function releaseIfOwner(path: string, owner: Owner): Promise<void> {
  const current = await readOwner(path);
  if (current?.token === owner.token) await unlink(path).catch(() => {});
}

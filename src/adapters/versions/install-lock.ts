import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Cross-process install lock: a lock file created with `open(path, 'wx')` (atomic create-if-absent,
 * also on NFS v3+) holding `{pid, host, token}`. The holder touches it every `heartbeatMs`, so a
 * lock is stale when its mtime is older than `staleMs`, or at once when its owner is a dead process
 * on this host (a killed download). Breaking a stale lock renames it away first, so only one waiter
 * wins; a rare double break only costs a duplicate download, never a bad binary, because installs
 * end with an atomic rename of a verified file.
 */
export interface LockOptions {
  readonly staleMs: number;
  readonly heartbeatMs: number;
  readonly pollMs: number;
}

export const DEFAULT_LOCK: LockOptions = { staleMs: 60_000, heartbeatMs: 10_000, pollMs: 100 };

export interface LockHandle {
  release(): Promise<void>;
}

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(lockPath, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

async function isStale(lockPath: string, opts: LockOptions): Promise<boolean> {
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(lockPath)).mtimeMs;
  } catch {
    return false;
  }
  if (Date.now() - mtimeMs > opts.staleMs) return true;
  const owner = await readOwner(lockPath);
  return owner !== undefined && owner.host === hostname() && !isAlive(owner.pid);
}

async function breakLock(lockPath: string): Promise<void> {
  const aside = `${lockPath}.stale-${randomBytes(4).toString('hex')}`;
  try {
    await rename(lockPath, aside);
    await unlink(aside);
  } catch {
    // Someone else broke it first.
  }
}

async function tryCreate(lockPath: string, owner: LockOwner): Promise<boolean> {
  try {
    const fh = await open(lockPath, 'wx');
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

function holdLock(lockPath: string, owner: LockOwner, opts: LockOptions): LockHandle {
  const beat = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => {});
  }, opts.heartbeatMs);
  beat.unref();
  return {
    async release() {
      clearInterval(beat);
      // Only remove our own lock: if ours was broken as stale, the file may now be someone else's.
      if ((await readOwner(lockPath))?.token === owner.token) await unlink(lockPath).catch(() => {});
    },
  };
}

/**
 * Takes the lock, waiting while someone else holds it. While waiting, `isDone()` is polled: when it
 * says the work is already done (the other holder installed it) this returns undefined without
 * taking the lock. Rejects when `signal` aborts.
 */
export async function acquireInstallLock(
  lockPath: string,
  opts: LockOptions,
  isDone: () => Promise<boolean>,
  signal?: AbortSignal,
): Promise<LockHandle | undefined> {
  const owner: LockOwner = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex') };
  for (;;) {
    signal?.throwIfAborted();
    if (await tryCreate(lockPath, owner)) return holdLock(lockPath, owner, opts);
    if (await isDone()) return undefined;
    if (await isStale(lockPath, opts)) {
      await breakLock(lockPath);
      continue;
    }
    await sleep(opts.pollMs, undefined, signal ? { signal } : undefined);
  }
}

import { mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';

/**
 * Serialises `init`s that share one provider plugin cache. Terraform documents the cache as "not
 * guaranteed to be concurrency safe" (terraform-contract.md §3.2): two inits installing the same
 * provider can leave a torn file behind. Two layers:
 * - an in-process queue per cache dir (many job loops in one worker), cheap and fair;
 * - a cross-process lock (workers sharing a cache volume): a directory created with `mkdir`, which is
 *   atomic, holding `owner.json`. The holder touches it every `heartbeatMs`; a lock whose owner process
 *   is gone (same host) or whose heartbeat stopped for `staleMs` is broken, so a crashed worker never
 *   blocks the others for long.
 */
export interface CacheLockOptions {
  readonly staleMs?: number;
  readonly heartbeatMs?: number;
  readonly pollMs?: number;
}

const queues = new Map<string, Promise<void>>();
const LOCK_NAME = '.driftd-init.lock';

function waitOrAbort(promise: Promise<unknown>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    });
  });
}

const sleep = (ms: number, signal: AbortSignal) => waitOrAbort(new Promise((r) => setTimeout(r, ms)), signal);

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function isStale(lockDir: string, staleMs: number): Promise<boolean> {
  const info = await stat(lockDir).catch(() => undefined);
  if (!info) return false;
  if (Date.now() - info.mtimeMs > staleMs) return true;
  const owner = await readFile(path.join(lockDir, 'owner.json'), 'utf8').then(JSON.parse, () => undefined);
  return owner?.host === hostname() && typeof owner.pid === 'number' && processGone(owner.pid);
}

async function acquireFileLock(lockDir: string, signal: AbortSignal, o: Required<CacheLockOptions>) {
  while (!signal.aborted) {
    try {
      await mkdir(lockDir);
      await writeFile(
        path.join(lockDir, 'owner.json'),
        JSON.stringify({ pid: process.pid, host: hostname() }),
      );
      const beat = setInterval(
        () => void utimes(lockDir, new Date(), new Date()).catch(() => {}),
        o.heartbeatMs,
      );
      beat.unref();
      return async () => {
        clearInterval(beat);
        await rm(lockDir, { recursive: true, force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (await isStale(lockDir, o.staleMs)) await rm(lockDir, { recursive: true, force: true });
      else await sleep(o.pollMs + Math.floor(Math.random() * o.pollMs), signal);
    }
  }
  return undefined;
}

/**
 * Runs `work` while holding the cache's init lock. Returns `{ acquired: false }` when `signal` aborted
 * before the lock was obtained (work not run).
 */
export async function withPluginCacheLock<T>(
  cacheDir: string,
  signal: AbortSignal,
  work: () => Promise<T>,
  options: CacheLockOptions = {},
): Promise<{ acquired: true; value: T } | { acquired: false }> {
  const o = { staleMs: 60_000, heartbeatMs: 5_000, pollMs: 100, ...options };
  const key = path.resolve(cacheDir);
  const previous = queues.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => {
    release = r;
  });
  const tail = previous.then(() => mine);
  queues.set(key, tail);
  try {
    if (!(await waitOrAbort(previous, signal))) return { acquired: false };
    const unlock = await acquireFileLock(path.join(key, LOCK_NAME), signal, o);
    if (!unlock) return { acquired: false };
    try {
      return { acquired: true, value: await work() };
    } finally {
      await unlock();
    }
  } finally {
    release();
    if (queues.get(key) === tail) queues.delete(key);
  }
}

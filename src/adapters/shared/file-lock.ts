/**
 * Cross-process lock file for caches that several driftd processes share (git mirrors, tool
 * binaries, the terraform plugin cache).
 *
 * `src/adapters/shared` is support code that any adapter folder may import; it imports only Node
 * built-ins, `src/domain` and itself — never another adapter folder, `src/ports` or `src/app`
 * (test/architecture.test.ts enforces both directions).
 *
 * Semantics:
 * - the lock is a file created with `open(path, 'wx')` (atomic create-if-absent, also on NFS v3+)
 *   holding the owner record `{pid, host, token, time}`;
 * - the holder touches it every `heartbeatMs`; a lock is stale when its mtime is older than
 *   `staleMs` or, at once, when its owner is a dead process on this host (a killed worker);
 * - a stale lock is renamed aside before it is deleted, so only one waiter breaks it; what was moved
 *   aside is put back if it turns out to be fresh (a lock created meanwhile);
 * - `release()` deletes the file only while its record is still ours (a lock broken as stale may
 *   belong to someone else by then);
 * - waiters in one process queue per path (FIFO) and only the head polls the file;
 * - an aborted `signal` rejects a waiter, `timeoutMs` rejects it with a `DriftdError`.
 * A lock left as a directory holding `owner.json` (the format of driftd's older terraform plugin
 * cache lock) is recognised: it excludes like a lock file and is broken by the same rules.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DriftdError, type ErrorCode } from '../../domain/errors.js';

export interface FileLockOptions {
  /** A lock not touched for this long is taken over (its holder died or hung). Default 60 s. */
  readonly staleMs?: number;
  /** How often the holder touches the file. Default `staleMs / 3`. */
  readonly heartbeatMs?: number;
  /** Pause between attempts while another process holds the lock (plus up to 50 % jitter). */
  readonly pollMs?: number;
  /** Give up waiting after this long (default: wait until `signal` aborts). */
  readonly timeoutMs?: number;
  /** Code of the `DriftdError` thrown on timeout. Default `DRIFTD_ADAPTER_UNAVAILABLE`. */
  readonly timeoutCode?: ErrorCode;
}

export interface AcquireOptions extends FileLockOptions {
  /**
   * Polled while another process holds the lock: when it answers true (the holder already did the
   * work) `acquireFileLock` returns undefined without taking the lock.
   */
  readonly stopWaitingIf?: () => Promise<boolean>;
}

export interface FileLock {
  readonly path: string;
  /** Stops the heartbeat and removes the file if it is still ours. Idempotent. */
  release(): Promise<void>;
}

interface Owner {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  readonly time: string;
}

type Settings = Required<Omit<AcquireOptions, 'stopWaitingIf' | 'timeoutMs'>> & AcquireOptions;

const turns = new Map<string, Promise<void>>();

export function acquireFileLock(
  path: string,
  options: AcquireOptions & { stopWaitingIf: () => Promise<boolean> },
  signal?: AbortSignal,
): Promise<FileLock | undefined>;
export function acquireFileLock(
  path: string,
  options?: FileLockOptions,
  signal?: AbortSignal,
): Promise<FileLock>;
/** Takes the lock at `path`, waiting (in FIFO order within this process) while it is held. */
export async function acquireFileLock(
  path: string,
  options: AcquireOptions = {},
  signal?: AbortSignal,
): Promise<FileLock | undefined> {
  const staleMs = options.staleMs ?? 60_000;
  const o: Settings = {
    ...options,
    staleMs,
    heartbeatMs: options.heartbeatMs ?? Math.max(staleMs / 3, 10),
    pollMs: options.pollMs ?? 100,
    timeoutCode: options.timeoutCode ?? 'DRIFTD_ADAPTER_UNAVAILABLE',
  };
  const deadline = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
  const key = resolve(path);
  const turn = joinQueue(key);
  try {
    if (!(await until(turn.previous, deadline, signal))) throw timedOut(key, o);
    const owner: Owner = {
      pid: process.pid,
      host: hostname(),
      token: randomBytes(12).toString('hex'),
      time: new Date().toISOString(),
    };
    if (!(await pollFile(key, owner, o, deadline, signal))) {
      turn.leave();
      return undefined;
    }
    return hold(key, owner, o.heartbeatMs, turn.leave);
  } catch (e) {
    turn.leave();
    throw e;
  }
}

/** Runs `fn` while holding the lock at `path`; the lock is released however `fn` ends. */
export async function withFileLock<T>(
  path: string,
  options: FileLockOptions,
  fn: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const lock = await acquireFileLock(path, options, signal);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

/** The in-process queue of one lock path: wait for `previous`, then call `leave` exactly once. */
function joinQueue(key: string): { previous: Promise<void>; leave: () => void } {
  const previous = turns.get(key) ?? Promise.resolve();
  let open!: () => void;
  const mine = new Promise<void>((r) => {
    open = r;
  });
  const tail = previous.then(() => mine);
  turns.set(key, tail);
  let left = false;
  const leave = () => {
    if (left) return;
    left = true;
    open();
    void tail.then(() => {
      if (turns.get(key) === tail) turns.delete(key);
    });
  };
  return { previous, leave };
}

/** Resolves true when `promise` settles, false at `deadline`; rejects when `signal` aborts. */
function until(promise: Promise<void>, deadline: number, signal?: AbortSignal): Promise<boolean> {
  signal?.throwIfAborted();
  return new Promise((resolveWait, reject) => {
    const finish = (then: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      then();
    };
    const onAbort = () => finish(() => reject(signal?.reason));
    const ms = deadline - Date.now();
    const timer = Number.isFinite(ms)
      ? setTimeout(() => finish(() => resolveWait(false)), Math.max(0, Math.min(ms, 2 ** 31 - 1)))
      : undefined;
    signal?.addEventListener('abort', onAbort, { once: true });
    void promise.then(() => finish(() => resolveWait(true)));
  });
}

/** Tries until the file is ours (true) or `stopWaitingIf` says the wait is pointless (false). */
async function pollFile(
  path: string,
  owner: Owner,
  o: Settings,
  deadline: number,
  signal?: AbortSignal,
): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true });
  for (;;) {
    signal?.throwIfAborted();
    if (await tryCreate(path, owner)) return true;
    if (o.stopWaitingIf && (await o.stopWaitingIf())) return false;
    if (await breakIfStale(path, o.staleMs)) continue;
    const left = deadline - Date.now();
    if (left <= 0) throw timedOut(path, o);
    const pause = o.pollMs + Math.floor(Math.random() * (o.pollMs / 2));
    await sleep(Math.min(pause, left), undefined, signal ? { signal } : undefined);
  }
}

function timedOut(path: string, o: Settings): DriftdError {
  return new DriftdError(o.timeoutCode, `timed out waiting for the lock ${path}`);
}

async function tryCreate(path: string, owner: Owner): Promise<boolean> {
  try {
    const fh = await open(path, 'wx', 0o644);
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

/** The record in a lock file (or in `owner.json` of a directory lock); null when unreadable. */
async function readOwner(path: string): Promise<Partial<Owner> | null> {
  const parse = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Partial<Owner>;
  try {
    return await parse(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EISDIR') return null;
    return parse(join(path, 'owner.json')).catch(() => null);
  }
}

function isDeadLocalPid(owner: Partial<Owner> | null): boolean {
  if (!owner || owner.host !== hostname() || typeof owner.pid !== 'number') return false;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Whether the lock at `path` exists and is stale. An unreadable record (being written) ages only. */
async function isStale(path: string, staleMs: number): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return false;
  if (Date.now() - info.mtimeMs > staleMs) return true;
  return isDeadLocalPid(await readOwner(path));
}

/**
 * Breaks a stale lock without racing other breakers: the file is renamed aside (only one renamer
 * wins); if what was moved turns out to be fresh (created after our check) it is put back with
 * `link`, which fails rather than overwrite a lock created meanwhile. True when a lock was removed.
 */
async function breakIfStale(path: string, staleMs: number): Promise<boolean> {
  if (!(await isStale(path, staleMs))) return false;
  const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch {
    return false;
  }
  if (!(await isStale(aside, staleMs))) {
    const putBack = (await stat(aside)).isDirectory() ? rename(aside, path) : link(aside, path);
    await putBack.catch(() => {});
  }
  await rm(aside, { recursive: true, force: true });
  return true;
}

function hold(path: string, owner: Owner, heartbeatMs: number, leave: () => void): FileLock {
  const beat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => {});
  }, heartbeatMs);
  beat.unref();
  let released: Promise<void> | undefined;
  const release = async () => {
    clearInterval(beat);
    try {
      if ((await readOwner(path))?.token === owner.token) await rm(path, { force: true });
    } finally {
      leave();
    }
  };
  return {
    path,
    release: () => {
      released ??= release();
      return released;
    },
  };
}
